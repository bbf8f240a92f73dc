"""Score a file of any size a chunk at a time; every input row ends up scored or rejected with a reason.

The caller supplies the chunks (from :func:`pipeline.data.files.iter_table`) and where scored and rejected
rows go, so this module reads and writes nothing itself; memory holds one chunk at a time. Scored rows
are handed on in the layout of :mod:`pipeline.data.scored`: the input's own columns as read, then
``source_row`` and the suggestions, so a case system can join them back on its case reference.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import pandas as pd

from pipeline.config import Params
from pipeline.data.files import Chunk
from pipeline.data.schema import SOURCE_ROW, validate
from pipeline.data.scored import scored_rows
from pipeline.serving.score import PASS_THROUGH, Scorers, score

REJECT_COLUMNS = (SOURCE_ROW, "reason")


@dataclass(frozen=True)
class BatchSummary:
    """What happened to a file: rows in = rows scored + rows rejected, and how many need a person."""

    rows_in: int
    rows_scored: int
    rows_rejected: int
    needs_review: int
    suggested_with_confidence: int
    with_a_theme: int | None
    seconds: float
    model_version: str
    themes_model_version: str | None

    @property
    def rows_per_second(self) -> float:
        """Rows scored per second of wall time."""
        return self.rows_scored / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The summary as printed and as written by --summary-json."""
        return asdict(self) | {"rows_per_second": round(self.rows_per_second, 1)}


def score_chunks(
    chunks: Iterable[Chunk],
    scorers: Scorers,
    params: Params,
    write_scored: Callable[[pd.DataFrame], None],
    write_rejected: Callable[[pd.DataFrame], None],
    explain: bool = True,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> BatchSummary:
    """Validate and score each chunk, hand its scored and rejected rows on, and count everything.

    ``write_scored`` receives each chunk's scored rows as :func:`pipeline.data.scored.scored_rows` lays
    them out (input columns, ``source_row``, suggestions). ``progress(rows)`` is called after each chunk
    with the rows read so far. ``today`` (the caller's clock) marks later dates as typing errors.
    """
    started = time.perf_counter()
    rows_in = rows_scored = rejected_rows = review = themed = chunks_seen = 0
    for chunk in chunks:
        chunks_seen += 1
        validated = validate(
            chunk.frame, params.data, params.labels, purpose="score", source_rows=chunk.source_rows, today=today
        )
        scored = score(scorers, validated.frame, params, explain)
        rejected = pd.concat(
            [chunk.unreadable.loc[:, list(REJECT_COLUMNS)], validated.rejected.loc[:, list(REJECT_COLUMNS)]],
            ignore_index=True,
        ).sort_values(SOURCE_ROW, ignore_index=True)
        write_scored(scored_rows(chunk.frame, chunk.source_rows, scored, left_out=PASS_THROUGH))
        write_rejected(rejected)
        rows_in += len(chunk.frame) + len(chunk.unreadable)
        rows_scored += len(scored)
        rejected_rows += len(rejected)
        review += int(scored["needs_review"].sum())
        themed += int((scored["themes"] != "").sum()) if "themes" in scored else 0
        if progress:
            progress(rows_in)
    if not chunks_seen:  # no chunk at all (a reader gives header-only files an empty one): still write columns
        empty = pd.DataFrame({params.data.columns["description"]: pd.Series(dtype="string")})
        frame = validate(empty, params.data, params.labels, purpose="score").frame
        write_scored(scored_rows(empty, [], score(scorers, frame, params, explain), left_out=PASS_THROUGH))
        write_rejected(pd.DataFrame({column: pd.Series(dtype="object") for column in REJECT_COLUMNS}))
    return BatchSummary(
        rows_in=rows_in,
        rows_scored=rows_scored,
        rows_rejected=rejected_rows,
        needs_review=review,
        suggested_with_confidence=rows_scored - review,
        with_a_theme=themed if scorers.themes is not None else None,
        seconds=round(time.perf_counter() - started, 3),
        model_version=scorers.category.version,
        themes_model_version=scorers.themes.version if scorers.themes is not None else None,
    )
