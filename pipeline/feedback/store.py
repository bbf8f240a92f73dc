"""The decision store: one table of officers' decisions in any SQLAlchemy database.

SQLite in the working folder by default (nothing to install); PostgreSQL, or any other SQLAlchemy URL,
for a service several officers share. The schema is created and moved forward by the migrations in
``pipeline/feedback/migrations`` (Alembic), never by hand: :func:`open_store` brings a database to the
newest version before anything is read or written.

Each decision carries a ``decision_id`` (a UUID the client may choose): recording the same id twice
keeps the first, so a retried request never duplicates a decision.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pipeline.config import FeedbackConfig
from pipeline.errors import ConfigError

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    pass


class DecisionRow(Base):
    """One decision as stored (the migrations create this table; this class only reads and writes it)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    case_ref: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    text_sha256: Mapped[str] = mapped_column(sa.String(64))
    text: Mapped[str | None] = mapped_column(sa.Text)
    team: Mapped[str | None] = mapped_column(sa.String(200))
    model_name: Mapped[str] = mapped_column(sa.String(200))
    model_version: Mapped[str] = mapped_column(sa.String(200))
    themes_model_version: Mapped[str | None] = mapped_column(sa.String(200))
    suggested_category: Mapped[str] = mapped_column(sa.String(200))
    suggested_probability: Mapped[float] = mapped_column(sa.Float)
    needs_review: Mapped[bool] = mapped_column(sa.Boolean)
    review_reason: Mapped[str] = mapped_column(sa.Text)
    suggestion: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Theme ids joined by ";" (plain text, so a summary of many decisions need not parse JSON).
    suggested_themes: Mapped[str] = mapped_column(sa.Text)
    chosen_category: Mapped[str] = mapped_column(sa.String(200))
    chosen_themes: Mapped[str] = mapped_column(sa.Text)
    accepted: Mapped[bool] = mapped_column(sa.Boolean)
    source: Mapped[str] = mapped_column(sa.String(20))
    date_received: Mapped[date | None] = mapped_column(sa.Date)


COLUMNS = [column.name for column in DecisionRow.__table__.columns if column.name != "id"]
_PARSED_HERE = {"recorded_at", "date_received", "suggestion"}
THEME_LISTS = ("suggested_themes", "chosen_themes")
_IDS_PER_QUERY = 500  # decision ids looked up at once (SQLite allows a few thousand bound parameters)


@dataclass(frozen=True)
class Decision:
    """What an officer decided about one complaint, with the suggestion they were shown."""

    text_sha256: str
    model_version: str
    suggestion: Mapping[str, Any]  # categories (top k, with probabilities), needs_review, review_reason, themes
    chosen_category: str
    chosen_themes: tuple[str, ...] = ()
    case_ref: str | None = None
    team: str | None = None
    text: str | None = None  # only when feedback.store_text is on
    themes_model_version: str | None = None
    source: str = "page"  # page (the intake page or API) | import (complaints feedback import)
    decision_id: str | None = None  # a retried request with the same id records nothing new
    recorded_at: datetime | None = None  # now, unless replayed
    date_received: date | None = None  # when the complaint came in, when known (an export dates records by it)

    def row(self) -> dict[str, Any]:
        """The stored columns: the first suggestion, whether it was accepted, and when."""
        first = self.suggestion["categories"][0]
        return {
            "decision_id": self.decision_id or str(uuid.uuid4()),
            "recorded_at": self.recorded_at or datetime.now(UTC),
            "case_ref": self.case_ref,
            "text_sha256": self.text_sha256,
            "text": self.text,
            "team": self.team,
            "model_name": model_name(self.model_version),
            "model_version": self.model_version,
            "themes_model_version": self.themes_model_version,
            "suggested_category": str(first["category"]),
            "suggested_probability": float(first["probability"]),
            "needs_review": bool(self.suggestion.get("needs_review", False)),
            "review_reason": str(self.suggestion.get("review_reason") or ""),
            "suggestion": dict(self.suggestion),
            "suggested_themes": ";".join(
                str(theme["theme"]) for theme in self.suggestion.get("themes", []) if theme.get("assigned", True)
            ),
            "chosen_category": self.chosen_category,
            "chosen_themes": ";".join(self.chosen_themes),
            "accepted": self.chosen_category == first["category"],
            "source": self.source,
            "date_received": self.date_received,
        }


def model_name(version: str) -> str:
    """'complaints-category v3 (champion)' -> 'complaints-category' (the registered name, without version)."""
    return version.split(" v", 1)[0].strip() or version


def database_url(config: FeedbackConfig, environ: Mapping[str, str]) -> str:
    """The database decisions go to: the variable ``feedback.url_variable`` names (in ``environ``) when
    set, else ``feedback.database_url``."""
    return environ.get(config.url_variable) or config.database_url


def shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def has_store(url: str) -> bool:
    """Whether there may be decisions at ``url``: a SQLite file that exists, or any server database."""
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError:
        return False
    if parsed.get_backend_name() != "sqlite":
        return True
    return bool(parsed.database) and parsed.database != ":memory:" and Path(parsed.database).is_file()


def _engine(url: str) -> sa.Engine:
    # hide_parameters: a database error never writes a decision's values (its text, a case reference) to a log.
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"feedback.database_url {url!r} is not a database URL: write sqlite:///feedback.db, or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE."
        ) from None
    if parsed.get_backend_name() == "sqlite":
        # Officers record at once from the service's threads: wait for the writer instead of failing,
        # and let readers go on while one writes (WAL).
        engine = sa.create_engine(
            parsed, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    try:
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise ConfigError(
            f"No database driver for {shown_url(url)} ({error}); for PostgreSQL install psycopg "
            "into the project's environment: .venv/bin/pip install -e '.[postgres]' in a clone, or "
            "pip install 'psycopg[binary]'."
        ) from None


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("pipeline.feedback") / "migrations"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: sa.Engine) -> None:
    """Bring the database's schema to the newest migration (creating it when empty)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)  # before the import, which logs its plugins
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")


def schema_version(engine: sa.Engine) -> str | None:
    """The migration the database is at (None before the first)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class Store:
    """Decisions in one database; safe to share between threads (each call takes its own connection)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def record(self, decision: Decision) -> tuple[str, bool]:
        """Store ``decision``; returns its id and whether it is new (False: that id was recorded before)."""
        row = decision.row()
        try:
            with Session(self.engine) as session, session.begin():
                session.add(DecisionRow(**row))
        except IntegrityError:
            with Session(self.engine) as session:
                found = session.scalar(sa.select(DecisionRow.id).where(DecisionRow.decision_id == row["decision_id"]))
            if found is None:
                raise
            return row["decision_id"], False
        return row["decision_id"], True

    def record_all(self, decisions: Iterable[Decision]) -> int:
        """Store many decisions in one transaction (an import); returns how many were new (a decision
        whose id is stored already, such as a file imported twice, is not stored again)."""
        rows = list({row["decision_id"]: row for row in (decision.row() for decision in decisions)}.values())
        if not rows:
            return 0
        ids = [row["decision_id"] for row in rows]
        with Session(self.engine) as session, session.begin():
            stored: set[str] = set()
            for start in range(0, len(ids), _IDS_PER_QUERY):
                chunk = ids[start : start + _IDS_PER_QUERY]
                stored.update(
                    session.scalars(sa.select(DecisionRow.decision_id).where(DecisionRow.decision_id.in_(chunk)))
                )
            new = [row for row in rows if row["decision_id"] not in stored]
            if new:
                session.execute(sa.insert(DecisionRow), new)
        return len(new)

    def frame(
        self, since: datetime | None = None, with_text: bool = True, with_suggestion: bool = True
    ) -> pd.DataFrame:
        """Every decision (recorded on or after ``since``), oldest first, one row each, themes as lists.
        ``with_text`` and ``with_suggestion`` False leave the stored texts and the suggestions as shown
        (JSON) in the database: a summary needs neither."""
        table = DecisionRow.__table__
        left_out = {"text"} if not with_text else set()
        left_out |= {"suggestion"} if not with_suggestion else set()
        names = [name for name in COLUMNS if name not in left_out]
        # Dates and JSON come back as the database holds them and are parsed once per column below:
        # SQLAlchemy's per-value conversion takes seconds on 100,000 decisions.
        columns = [
            sa.type_coerce(table.c[name], sa.String).label(name) if name in _PARSED_HERE else table.c[name]
            for name in names
        ]
        query = sa.select(*columns).order_by(table.c.recorded_at, table.c.id)
        if since is not None:
            query = query.where(table.c.recorded_at >= since)
        with self.engine.connect() as connection:
            rows = [tuple(row) for row in connection.execute(query)]  # plain tuples: pandas probes Row objects slowly
        frame = pd.DataFrame(rows, columns=names)
        frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], utc=True, format="ISO8601")
        frame["date_received"] = pd.to_datetime(frame["date_received"].astype("string"), format="ISO8601")
        if with_suggestion:
            frame["suggestion"] = [
                json.loads(value) if isinstance(value, str) else value for value in frame["suggestion"]
            ]
        for name in THEME_LISTS:
            frame[name] = [value.split(";") if value else [] for value in frame[name].tolist()]
        for name in ("needs_review", "accepted"):
            frame[name] = frame[name].astype(bool)
        return frame

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(sa.select(sa.func.count()).select_from(DecisionRow)))

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> Store:
    """The store at ``url``, its schema migrated to the newest version."""
    engine = _engine(url)
    try:
        migrate(engine)
    except DBAPIError as error:  # unreachable server, wrong password, no right to create the table...
        engine.dispose()
        raise ConfigError(
            f"Cannot open the decision store {shown_url(url)}: {error.orig}. Check feedback.database_url "
            "(or the variable feedback.url_variable names) and that the database server is running."
        ) from None
    return Store(engine)
