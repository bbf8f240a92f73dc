"""The Spark engine's entry points: what ``complaints score/report --engine spark`` and ``complaints
spark-job`` (under spark-submit) call. Each starts or reuses the session, reads, runs the stage, writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.config import Params
from pipeline.errors import InputFileError
from pipeline.serving.score import Scorers
from pipeline.spark.inputs import find_inputs
from pipeline.spark.score import SparkScoreResult, score_on_spark
from pipeline.spark.session import spark_session


def scored_folder(out: Path | None, params: Params) -> Path:
    """Where a Spark job writes its scored rows: --out, else output.scored_file as a .parquet folder."""
    target = Path(out) if out else Path(params.output.scored_file).with_suffix(".parquet")
    if target.suffix != ".parquet":
        raise InputFileError(f"The Spark engine writes a folder of Parquet files: give --out a name ending .parquet, not {target.name}.")
    return target


def score_files(
    source: str, out: Path | None, params: Params, scorers: Scorers, explain: bool, master: str | None
) -> SparkScoreResult:
    """Score a file, a folder of files or a glob on Spark (``master``, default local[*])."""
    target = scored_folder(out, params)
    inputs = find_inputs(source, params)
    spark = spark_session(master, "complaints score")
    return score_on_spark(spark, inputs, scorers, params, target, explain, date.today())
