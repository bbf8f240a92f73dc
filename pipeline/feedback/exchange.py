"""Decisions in and out in bulk: a case system's final decisions joined to scored output (import), and
stored decisions as labelled records in the record schema (export), which retrain and label-issues read.

Everything here takes frames and returns new ones; nothing is read or written.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from pipeline.config import RECORD_COLUMNS, Params
from pipeline.data.schema import build_label_lookup, normalise_label, parse_dates
from pipeline.data.scored import split_scored
from pipeline.errors import DataContractError
from pipeline.feedback.store import Decision
from pipeline.privacy import Redactor

MAX_LISTED = 10  # rows named in an error
MAX_FIELD = 200  # characters the store keeps of a case reference or a team
_IMPORT_NAMESPACE = uuid.UUID("5b0f3c1e-7d2a-4e6b-9c41-2f8d6a0b1e73")  # ids of imported decisions


def text_hash(text: str) -> str:
    """The SHA-256 of a complaint's text (UTF-8), as stored with each decision."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rows(positions: Sequence[int]) -> str:
    shown = ", ".join(str(p + 2) for p in positions[:MAX_LISTED])  # file rows: header is row 1
    return shown + (f" and {len(positions) - MAX_LISTED} more" if len(positions) > MAX_LISTED else "")


def _column(
    frame: pd.DataFrame,
    params: Params,
    ours: str,
    where: str,
    required: bool = True,
    named: Mapping[str, str] | None = None,
) -> pd.Series | None:
    """The column holding ``ours``: as ``named`` (options of the command) or data.columns names it."""
    theirs = (named or {}).get(ours) or params.data.columns.get(ours, ours)
    found = {str(name).strip().casefold(): name for name in frame.columns}
    name = found.get(theirs.strip().casefold())
    if name is None:
        if required:
            option = f" (or name it with --{ours.replace('_', '-')}-column)" if named is not None else ""
            raise DataContractError(
                f"{where} has no column {theirs!r} ({ours}){option}. Its columns: {', '.join(map(str, frame.columns))}."
            )
        return None
    return frame[name].astype("string").str.strip()


def _themes(value: object) -> list[str]:
    return (
        [theme.strip() for theme in str(value).replace(",", ";").split(";") if theme.strip()] if pd.notna(value) else []
    )


def _text(value: object) -> str:
    """A cell as text: empty when missing."""
    return "" if value is None or pd.isna(value) else str(value)


def _suggestion(added: pd.Series, top_k: int) -> dict[str, object]:
    """A scored row's added columns -> the suggestion as POST /feedback stores it."""
    categories = [
        {"category": str(added[f"suggestion_{k}"]), "probability": float(added[f"probability_{k}"])}
        for k in range(1, top_k + 1)
        if _text(added.get(f"suggestion_{k}"))
    ]
    themes = []
    for column, assigned in (("theme_probabilities", True), ("possible_theme_probabilities", False)):
        for pair in _text(added.get(column)).split(";"):
            if "=" in pair:
                theme, probability = pair.split("=", 1)
                themes.append({"theme": theme.strip(), "probability": float(probability), "assigned": assigned})
    return {
        "categories": categories,
        "needs_review": _text(added.get("needs_review")).strip().lower() in ("true", "1", "yes"),
        "review_reason": _text(added.get("review_reason")),
        "themes": themes,
    }


@dataclass(frozen=True)
class Joined:
    """Decisions from a file joined to the suggestions they were made on; the rest set aside, with why."""

    decisions: list[Decision]
    set_aside: pd.DataFrame  # the decisions file's rows that could not be joined, with a "problem" column


def join_decisions(
    decisions: pd.DataFrame,
    scored: pd.DataFrame,
    params: Params,
    theme_names: Mapping[str, str] | None = None,
    columns: Mapping[str, str] | None = None,
    recorded_at: datetime | None = None,
) -> Joined:
    """The decisions file's rows (case reference, final category, themes) joined by case reference to
    the scored file they were suggested in. Categories are read as validation reads them (labels.aliases);
    themes by id or name (``theme_names``: id -> name; None takes the ids as written). ``columns``
    names the decisions file's columns (complaint_ref, category, themes) where data.columns does not.

    Each joined decision gets an id made from what it says, so importing the same file again records
    nothing new. A row set aside says why: no or unknown reference, a reference twice in the file
    (which row would be the decision?), an unknown category or theme, a complaint that was not scored.
    A reference found twice in the scored file is an error: the decisions could not be joined at all.
    """
    split = split_scored(scored)
    if split is None:
        raise DataContractError(
            "The scored file is not a file written by complaints score (it has no source_row and "
            "predicted_category columns): score the complaints first, then import the decisions."
        )
    inputs, added = split
    named = dict(columns or {})
    refs = _column(decisions, params, "complaint_ref", "The decisions file", named=named)
    chosen = _column(decisions, params, "category", "The decisions file", named=named)
    themes = _column(decisions, params, "themes", "The decisions file", required=False, named=named)
    scored_refs = _column(inputs, params, "complaint_ref", "The scored file")
    texts = _column(inputs, params, "description", "The scored file")
    teams = _column(inputs, params, "team", "The scored file", required=False)
    received = _received(inputs, params, "The scored file")
    repeated = [p for p, twice in enumerate(scored_refs.duplicated(keep=False) & scored_refs.notna()) if twice]
    if repeated:
        raise DataContractError(
            f"The scored file holds the same case reference more than once (rows {_rows(repeated)}): "
            "a decision could not be told which complaint it is about. Score a file with one row per case."
        )
    twice_here = set(refs[refs.duplicated(keep=False) & refs.notna()])
    where = {ref: position for position, ref in enumerate(scored_refs) if pd.notna(ref)}
    lookup = build_label_lookup(params.labels)  # the spellings and aliases validation accepts
    known_themes = _theme_lookup(theme_names)
    joined, problems = [], []
    for position, (ref, category) in enumerate(zip(refs, chosen, strict=True)):
        label = normalise_label(category, lookup)
        written = _themes(themes.iloc[position]) if themes is not None else []
        chosen_themes = [known_themes.get(theme.casefold()) for theme in written] if known_themes else written
        unknown = [theme for theme, known in zip(written, chosen_themes, strict=True) if known is None]
        if pd.isna(ref) or ref == "":
            problems.append((position, "no case reference"))
        elif len(ref) > MAX_FIELD:
            problems.append((position, f"the case reference is longer than {MAX_FIELD} characters"))
        elif ref in twice_here:
            problems.append((position, "the same case reference is on more than one row: keep the final decision"))
        elif ref not in where:
            problems.append((position, "case reference not in the scored file"))
        elif label is None:
            problems.append(
                (
                    position,
                    f"category {category!r} is not a national category: correct it, or add the spelling to "
                    "labels.aliases",
                )
            )
        elif unknown:
            problems.append(
                (position, f"theme {unknown[0]!r} is not in the themes file (write theme ids or names, ; between)")
            )
        else:
            row = where[ref]
            text = "" if pd.isna(texts.iloc[row]) else str(texts.iloc[row])
            suggestion = _suggestion(added.iloc[row], params.evaluate.top_k)
            if not suggestion["categories"]:
                problems.append((position, "the scored file has no suggestion for it (empty text)"))
                continue
            team = None if teams is None or pd.isna(teams.iloc[row]) else str(teams.iloc[row])[:MAX_FIELD]
            model_version = str(added.iloc[row]["model_version"])
            picked = tuple(dict.fromkeys(theme for theme in chosen_themes if theme))
            joined.append(
                Decision(
                    text_sha256=text_hash(text),
                    model_version=model_version,
                    suggestion=suggestion,
                    chosen_category=label,
                    chosen_themes=picked,
                    case_ref=str(ref),
                    team=team,
                    text=text if params.feedback.store_text else None,
                    themes_model_version=_text(added.iloc[row].get("themes_model_version")) or None,
                    source="import",
                    decision_id=imported_decision_id(str(ref), text_hash(text), model_version, label, picked),
                    recorded_at=recorded_at or datetime.now(UTC),
                    date_received=received.get(row),
                )
            )
    set_aside = decisions.iloc[[p for p, _ in problems]].copy()
    set_aside.insert(0, "problem", [problem for _, problem in problems])
    set_aside.insert(0, "row", [p + 2 for p, _ in problems])
    return Joined(joined, set_aside.reset_index(drop=True))


def _theme_lookup(theme_names: Mapping[str, str] | None) -> dict[str, str]:
    """id or name, case-folded -> id."""
    if theme_names is None:
        return {}
    lookup = {str(name).casefold(): theme for theme, name in theme_names.items()}
    lookup.update({theme.casefold(): theme for theme in theme_names})
    return lookup


def imported_decision_id(
    case_ref: str, text_sha256: str, model_version: str, category: str, themes: Sequence[str]
) -> str:
    """The same decision imported again gets the same id (so it is stored once); a changed one, a new id."""
    said = "\x1f".join([case_ref, text_sha256, model_version, category, *sorted(themes)])
    return str(uuid.uuid5(_IMPORT_NAMESPACE, said))


def _received(table: pd.DataFrame, params: Params, where: str) -> dict[int, date]:
    """Row position -> the date the complaint was received, read as validation reads dates (rows
    without a readable date are left out; a table without the column gives none)."""
    column = _column(table, params, "date_received", where, required=False)
    if column is None:
        return {}
    parsed = parse_dates(column.reset_index(drop=True), params.data.date_dayfirst, params.data.date_format)
    return {position: when.date() for position, when in parsed.items() if pd.notna(when)}


@dataclass(frozen=True)
class CaseFile:
    """What a case system's table says by case reference: the complaint's text and received date."""

    texts: Mapping[str, str]
    dates: Mapping[str, date]


def by_reference(table: pd.DataFrame, params: Params) -> CaseFile:
    """Texts and received dates by case reference, from a table with both (a case system's export, a
    scored file); the date column may be missing."""
    refs = _column(table, params, "complaint_ref", "The --texts file")
    texts = _column(table, params, "description", "The --texts file")
    dates = _received(table, params, "The --texts file")
    return CaseFile(
        texts={ref: text for ref, text in zip(refs, texts, strict=True) if pd.notna(ref) and pd.notna(text) and text},
        dates={refs.iloc[position]: when for position, when in dates.items() if pd.notna(refs.iloc[position])},
    )


def financial_year(when: pd.Series) -> pd.Series:
    """'2015/16' for a date from 1 April 2015 to 31 March 2016."""
    start = when.dt.year - (when.dt.month < 4).astype(int)
    return start.astype(str) + "/" + ((start + 1) % 100).astype(str).str.zfill(2)


@dataclass(frozen=True)
class Exported:
    """Decisions as labelled records, and what could not be carried over as it was."""

    records: pd.DataFrame
    without_text: int  # left out: no stored text and none given by reference
    dated_by_decision: int  # no received date known: dated by the day the decision was recorded


def export_records(decisions: pd.DataFrame, redactor: Redactor, case_file: CaseFile | None = None) -> Exported:
    """Stored decisions as labelled records in the record schema: the officer's category and ticked
    themes, dated by the day the complaint was received (stored with the decision, else from
    ``case_file`` by reference, else the day the decision was recorded, counted).

    The text is the one stored with the decision, else the case file's by reference; identifiers are
    taken out of it by ``redactor`` as in every file that leaves the machine. A case decided twice
    keeps its latest decision.
    """
    with_ref = decisions[decisions["case_ref"].notna()].drop_duplicates("case_ref", keep="last")
    decisions = pd.concat([decisions[decisions["case_ref"].isna()], with_ref]).sort_values("recorded_at", kind="stable")
    given = case_file or CaseFile({}, {})
    text = [
        stored if isinstance(stored, str) and stored else given.texts.get(ref) if isinstance(ref, str) else None
        for stored, ref in zip(decisions["text"], decisions["case_ref"], strict=True)
    ]
    has_text = pd.Series([bool(t) for t in text], index=decisions.index)
    kept = decisions[has_text]
    stored_date = pd.to_datetime(kept["date_received"]) if "date_received" in kept else pd.Series(pd.NaT, kept.index)
    from_file = pd.to_datetime(pd.Series([given.dates.get(ref) for ref in kept["case_ref"]], index=kept.index))
    decided = pd.to_datetime(kept["recorded_at"], utc=True).dt.tz_localize(None).dt.normalize()
    when = stored_date.fillna(from_file).fillna(decided)
    records = pd.DataFrame({column: pd.Series([""] * len(kept), dtype="string") for column in RECORD_COLUMNS})
    records["complaint_ref"] = kept["case_ref"].fillna("").astype("string").to_numpy()
    records["date_received"] = when.dt.strftime("%Y-%m-%d").to_numpy()
    records["financial_year"] = financial_year(when).to_numpy()
    records["team"] = pd.array(redactor.redact_all(kept["team"].tolist()), dtype="string")
    records["description"] = pd.array(redactor.redact_all([t for t in text if t]), dtype="string")
    records["category"] = kept["chosen_category"].astype("string").to_numpy()
    records["themes"] = [";".join(themes or []) for themes in kept["chosen_themes"]]
    dated_by_decision = int((stored_date.isna() & from_file.isna()).sum())
    return Exported(records.fillna(""), int((~has_text).sum()), dated_by_decision)
