"""The Spark engine's entry points: what ``complaints score/report --engine spark`` and ``complaints
spark-job`` (under spark-submit) call. Each starts or reuses the session, reads, runs the stage, writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from pipeline.config import Params
from pipeline.errors import InputFileError
from pipeline.serving.score import Scorers
from pipeline.spark.inputs import find_inputs
from pipeline.spark.report import SparkReport, report_on_spark
from pipeline.spark.score import SparkScoreResult, score_on_spark
from pipeline.spark.session import spark_session


def scored_folder(out: Path | None, params: Params) -> Path:
    """Where a Spark job writes its scored rows: --out, else output.scored_file as a .parquet folder."""
    target = Path(out) if out else Path(params.output.scored_file).with_suffix(".parquet")
    if target.suffix != ".parquet":
        raise InputFileError(
            f"The Spark engine writes a folder of Parquet files: give --out a name ending .parquet, not {target.name}."
        )
    return target


def score_files(
    source: str, out: Path | None, params: Params, scorers: Scorers, explain: bool, master: str | None
) -> SparkScoreResult:
    """Score a file, a folder of files or a glob on Spark (``master``, default local[*])."""
    target = scored_folder(out, params)
    inputs = find_inputs(source, params)
    spark = spark_session(master, "complaints score")
    return score_on_spark(spark, inputs, scorers, params, target, explain, date.today())


def report_files(
    source: str,
    params: Params,
    year: str | None,
    compare_to: str | None,
    labels: str | None,
    audience: str | None,
    master: str | None,
) -> SparkReport:
    """The report's counted tables for a file, folder or glob (a scored folder included) on Spark."""
    import pandas as pd

    from pipeline.data import inputs as records_inputs
    from pipeline.data.scored import split_scored
    from pipeline.report.build import report_settings

    found = find_inputs(source, params)
    scored = split_scored(pd.DataFrame(columns=list(found.columns))) is not None
    settings = report_settings(params.report, year, compare_to, labels, scored, audience)
    taxonomy = records_inputs.read_taxonomy(params.themes)
    names = {theme.id: theme.name for theme in taxonomy.themes} if taxonomy else {}
    spark = spark_session(master, "complaints report")
    return report_on_spark(spark, found, params, settings, names, date.today())


def spark_submit() -> str:
    """The spark-submit of SPARK_HOME, else the one that comes with PySpark."""
    import pyspark

    home = os.environ.get("SPARK_HOME") or str(Path(pyspark.__file__).parent)
    return str(Path(home) / "bin" / "spark-submit")


# What a wheel is built from (setup.py writes pipeline/packaged from params.yaml and themes.yaml).
WHEEL_SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "params.yaml", "themes.yaml")


def project_wheel(folder: Path) -> Path:
    """This project as a wheel (for the executors' --py-files), built from a copy of the source checkout it
    runs from: building in the checkout would leave build/ and an .egg-info there, which pip then takes
    for an installed copy of the project."""
    source = Path(__file__).resolve().parents[2]
    if not (source / "pyproject.toml").is_file():
        raise InputFileError("complaints is installed, not run from its source: give the project's wheel with --wheel.")
    copy = folder / "source"
    shutil.copytree(source / "pipeline", copy / "pipeline", ignore=shutil.ignore_patterns("__pycache__", "packaged"))
    for name in WHEEL_SOURCES:
        shutil.copy2(source / name, copy / name)
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(folder),
        str(copy),
    ]
    subprocess.run(command, check=True, capture_output=True)
    return next(folder.glob("complaints_pipeline-*.whl"))


def submit_command(master: str, wheel: Path, arguments: list[str]) -> list[str]:
    """spark-submit on ``master`` with the wheel shipped to the executors, running score then report."""
    entry = Path(__file__).with_name("submit.py")
    return [spark_submit(), "--master", master, "--py-files", str(wheel), str(entry), *arguments]


def submit_environment(master: str) -> dict[str, str]:
    """spark-submit's environment: in local mode the driver and executors run this Python and this copy of
    the project (first on the path, ahead of any other installed copy)."""
    environment = dict(os.environ)
    if master.startswith("local"):
        environment.setdefault("PYSPARK_PYTHON", sys.executable)
        environment.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        here = str(Path(__file__).resolve().parents[2])
        environment["PYTHONPATH"] = os.pathsep.join(p for p in (here, environment.get("PYTHONPATH")) if p)
    return environment
