"""One SparkSession for a command: local mode by default, any master URL otherwise, quiet and without a UI."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import warnings
from typing import Any

from pipeline.errors import InputFileError

log = logging.getLogger(__name__)

DEFAULT_MASTER = "local[*]"
# Small shuffles: the report's aggregated tables are small, and 200 partitions of nothing cost seconds.
SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.python.worker.reuse": "true",
    "spark.ui.showConsoleProgress": "false",
}


def java_missing() -> str | None:
    """Why Spark cannot start here (no Java), or None when a Java runtime is found."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return None
    if shutil.which("java"):
        return None
    return "Spark needs Java 17 or later: install a JRE (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME."


def spark_session(
    master: str | None = None, app_name: str = "complaints", settings: dict[str, str] | None = None
) -> Any:
    """The session for ``master`` (default local[*]); settings added to the quiet defaults above.

    In local mode the executors run this Python (the one with the project installed). Under spark-submit
    the session it made is reused, with its master.
    """
    why = java_missing()
    if why:
        raise InputFileError(why)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master or not os.environ.get("SPARK_ENV_LOADED"):
        builder = builder.master(master or DEFAULT_MASTER)
    if (master or DEFAULT_MASTER).startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # PySpark 4.0 warns on pandas 3 at every conversion; the conversions used here are tested on it.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    for key, value in {**SETTINGS, **(settings or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
