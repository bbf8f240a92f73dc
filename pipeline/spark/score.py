"""``complaints score --engine spark``: every row of many files scored on executors by the batch scorer.

Each task reads one part of one file (a Parquet row group, or a whole CSV or XLSX file) with the pandas
engine's readers and scores it with :func:`pipeline.serving.batch.score_chunks` inside ``mapInPandas``,
so a row's suggestions, explanations, review flags and themes are those the pandas engine gives it. The
loaded models travel to the executors once, as a broadcast variable (checked against their cards when
loaded here, on the driver).

Output: a Parquet folder partitioned by financial year (``partition_year=2015%2F16``, ``unknown`` when a
row has neither a year nor a date), each row labelled with its ``source_file``; the rejects, with file,
row and reason, in a Parquet folder beside it; and the summary (rows in = scored + rejected, overall and
per file). Everything is written under a temporary folder beside the output and renamed into place only
when the whole job has succeeded.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params
from pipeline.data import files
from pipeline.data.files import Chunk
from pipeline.data.schema import SOURCE_ROW, financial_year, parse_dates
from pipeline.data.scored import split_scored
from pipeline.errors import InputFileError
from pipeline.serving.batch import BatchSummary, score_chunks
from pipeline.serving.score import Scorers
from pipeline.spark.inputs import Inputs, unit_chunks, work_units
from pipeline.spark.session import spark_failures

log = logging.getLogger(__name__)

SOURCE_FILE, PARTITION, REASON, KIND = "source_file", "partition_year", "reason", "row_kind"
UNKNOWN_YEAR = "unknown"


@dataclass(frozen=True)
class SparkScoreResult:
    """What the job wrote and counted: the overall summary, one row per file, and the files set aside."""

    summary: BatchSummary
    per_file: pd.DataFrame  # file, rows in, rows scored, rows rejected
    unreadable_files: tuple[tuple[str, str], ...]
    scored_path: Path
    rejects_path: Path

    def as_dict(self) -> dict[str, Any]:
        """The summary as --summary-json writes it."""
        return self.summary.as_dict() | {
            "files": self.per_file.to_dict(orient="records"),
            "files_not_read": [{"file": name, "reason": why} for name, why in self.unreadable_files],
        }


def rejects_folder(out: Path) -> Path:
    """Where the rejected rows of a Spark job go: OUT_rejects beside OUT (a Parquet folder)."""
    return out.with_name(f"{out.name.removesuffix('.parquet')}_rejects.parquet")


def _years(scored: pd.DataFrame, params: Params) -> pd.Series:
    """Each scored row's financial year as validation finds it: the year column, else from the date received."""
    columns = params.data.columns
    given = scored.get(columns.get("financial_year", "financial_year"))
    written = given.astype("string").str.strip() if given is not None else pd.Series(pd.NA, index=scored.index)
    dates = scored.get(columns.get("date_received", "date_received"))
    if dates is not None:
        derived = financial_year(
            parse_dates(dates.astype("string"), params.data.date_dayfirst, params.data.date_format)
        )
        written = written.mask(written.isna() | (written == ""), derived.to_numpy())
    return written.fillna(UNKNOWN_YEAR).astype(str)


def _score_units(
    units: Iterator[pd.DataFrame],
    scorers: Any,
    params: Params,
    explain: bool,
    today: date,
    schema_columns: list[str],
) -> Iterator[pd.DataFrame]:
    """mapInPandas body: each unit's scored rows, then its rejected rows, in one layout (``row_kind``)."""
    models: Scorers = scorers.value
    for batch in units:
        for unit in batch.itertuples(index=False):
            scored: list[pd.DataFrame] = []
            rejected: list[pd.DataFrame] = []
            try:
                chunks = unit_chunks(unit, params)
                score_chunks(chunks, models, params, scored.append, rejected.append, explain, today=today)
            except InputFileError as error:
                if unit.format != "parquet":
                    raise
                # A damaged row group (its footer entry read): each of its rows is rejected with the reason,
                # so the file's other row groups and the other files are still scored and every row counted.
                numbers = np.arange(unit.first_row, unit.first_row + unit.rows, dtype=np.int64)
                scored, rejected = [], [pd.DataFrame({SOURCE_ROW: numbers, REASON: str(error)})]
            for frame in scored:
                frame = frame.assign(**{SOURCE_FILE: unit.name, KIND: "scored", REASON: None})
                frame[PARTITION] = _years(frame, params).to_numpy()
                yield _plain(frame.reindex(columns=schema_columns))
            for frame in rejected:
                if len(frame):
                    out = frame.assign(**{SOURCE_FILE: unit.name, KIND: "rejected", PARTITION: UNKNOWN_YEAR})
                    # Only the file, row and reason: every other column is empty (None, whatever its type).
                    empty = out.reindex(columns=schema_columns).astype(object)
                    yield empty.where(empty.notna(), None)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python strings (None when missing): Arrow-backed pandas text, concatenated from
    chunks, is a chunked array that PySpark's conversion does not take."""
    text = [column for column, dtype in frame.dtypes.items() if pd.api.types.is_string_dtype(dtype)]
    return frame.astype({column: object for column in text}).where(frame.notna(), None) if text else frame


def _spark_type(dtype: Any) -> Any:
    from pyspark.sql import types

    if pd.api.types.is_bool_dtype(dtype):
        return types.BooleanType()
    if pd.api.types.is_integer_dtype(dtype):
        return types.LongType()
    if pd.api.types.is_float_dtype(dtype):
        return types.DoubleType()
    return types.StringType()


def output_layout(inputs: Inputs, scorers: Scorers, params: Params, explain: bool) -> pd.DataFrame:
    """The output's columns and types: the batch scorer run on one made-up row (an empty frame would
    leave the types of empty columns to chance)."""
    text = params.data.columns.get("description", "description")
    row = {column: pd.Series(["a complaint" if column == text else None], dtype="string") for column in inputs.columns}
    unreadable = pd.DataFrame({SOURCE_ROW: pd.Series(dtype="int64"), REASON: pd.Series(dtype="string")})
    found: list[pd.DataFrame] = []
    score_chunks(
        [Chunk(pd.DataFrame(row), np.array([2]), unreadable)], scorers, params, found.append, lambda _: None, explain
    )
    return found[0].iloc[:0]


def _per_file(rows: Any, layout: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Rows in, scored and rejected per file, with how many need review and carry a theme."""
    from pyspark.sql import functions as F

    added = split_scored(layout)
    names = dict(zip(added[1].columns, layout.columns[len(added[0].columns) :], strict=True)) if added else {}
    review, themes = names.get("needs_review", "needs_review"), names.get("themes")
    scored = F.col(KIND) == "scored"
    aggregates = [
        F.sum(scored.cast("long")).alias("scored"),
        F.sum((~scored).cast("long")).alias("rejected"),
        F.sum((scored & F.col(review)).cast("long")).alias("review"),
    ]
    if themes:
        aggregates.append(F.sum((scored & (F.coalesce(F.col(themes), F.lit("")) != "")).cast("long")).alias("themed"))
    counts = rows.groupBy(SOURCE_FILE).agg(*aggregates).toPandas().set_index(SOURCE_FILE)
    table = pd.DataFrame({"file": [f.name for f in inputs.files]})

    def count(column: str) -> pd.Series:
        return table["file"].map(counts[column]).fillna(0).astype(int)

    table["rows in"] = count("scored") + count("rejected")
    table["rows scored"], table["rows rejected"], table["needs review"] = (
        count("scored"),
        count("rejected"),
        count("review"),
    )
    table["with a theme"] = count("themed") if themes else None
    return table


def _write_scored(spark: Any, rows: Any, schema: Any, target: Path) -> None:
    """The scored rows, partitioned by financial year; with no row scored, an empty table with the columns."""
    from pyspark.sql import functions as F
    from pyspark.sql import types

    scored = rows.filter(F.col(KIND) == "scored").drop(KIND, REASON)
    scored.write.partitionBy(PARTITION).parquet(str(target))
    if not any(target.rglob("*.parquet")):
        kept = [field for field in schema.fields if field.name not in (KIND, REASON)]
        shutil.rmtree(target)
        spark.createDataFrame([], types.StructType(kept)).write.parquet(str(target))


def score_on_spark(
    spark: Any,
    inputs: Inputs,
    scorers: Scorers,
    params: Params,
    out: Path,
    explain: bool = True,
    today: date | None = None,
) -> SparkScoreResult:
    """Score every file of ``inputs`` on ``spark`` and write the scored rows and rejects beside ``out``.

    Nothing appears at ``out`` (or its rejects folder) unless the whole job succeeds.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql import types

    started = time.perf_counter()
    layout = output_layout(inputs, scorers, params, explain)
    fields = [types.StructField(str(name), _spark_type(dtype)) for name, dtype in layout.dtypes.items()]
    extra = [types.StructField(name, types.StringType()) for name in (SOURCE_FILE, REASON, KIND, PARTITION)]
    schema = types.StructType(fields + extra)
    names = [field.name for field in schema.fields]
    models = spark.sparkContext.broadcast(scorers)
    units = work_units(inputs)
    today = today or date.today()
    work = spark.createDataFrame(units).repartition(len(units))
    # Scored once, kept on disk for the two writes and the counts (scoring is the expensive part).
    rows = work.mapInPandas(
        lambda batches: _score_units(batches, models, params, explain, today, names), schema
    ).persist(StorageLevel.DISK_ONLY)
    out, rejects = Path(out), rejects_folder(Path(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".spark", dir=out.parent))
    try:
        with spark_failures(f"The Spark job stopped, so nothing was written at {out}"):
            _write_scored(spark, rows, schema, staging / "scored")
            refused = rows.filter(F.col(KIND) == "rejected").select(SOURCE_FILE, SOURCE_ROW, REASON)
            refused.orderBy(SOURCE_FILE, SOURCE_ROW).coalesce(1).write.parquet(str(staging / "rejects"))
            per_file = _per_file(rows, layout, inputs)
        files.replace_folder(staging / "rejects", rejects)
        files.replace_folder(staging / "scored", out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        rows.unpersist()
        models.unpersist()
    scored_total, rejected_total = int(per_file["rows scored"].sum()), int(per_file["rows rejected"].sum())
    review = int(per_file["needs review"].sum())
    summary = BatchSummary(
        rows_in=scored_total + rejected_total,
        rows_scored=scored_total,
        rows_rejected=rejected_total,
        needs_review=review,
        suggested_with_confidence=scored_total - review,
        with_a_theme=int(per_file["with a theme"].sum()) if scorers.themes is not None else None,
        seconds=round(time.perf_counter() - started, 3),
        model_version=scorers.category.version,
        themes_model_version=scorers.themes.version if scorers.themes is not None else None,
    )
    return SparkScoreResult(summary, per_file, inputs.unreadable, out, rejects)
