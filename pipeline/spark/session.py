"""One SparkSession for a command: local mode by default, any master URL otherwise, quiet and without a UI."""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pipeline
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
    ship_package(session)
    return session


_SHIPPED: dict[str, str] = {}  # application id -> the package archive its executors import


def package_archive(folder: Path) -> Path | None:
    """This process's ``pipeline`` package (sources and packaged files) zipped into ``folder``; None when it
    is itself imported from an archive (a wheel under spark-submit --py-files), which travels already."""
    package = Path(pipeline.__file__).resolve().parent
    if not package.is_dir():
        return None
    archive = folder / "complaints_pipeline.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                zipped.write(path, path.relative_to(package.parent).as_posix())
    return archive


def ship_package(session: Any) -> str | None:
    """Put this process's ``pipeline`` package first on the executors' path, once per application, so they
    run the code the driver runs (this checkout), not another installed copy such as an editable install's."""
    context = session.sparkContext
    if context.applicationId in _SHIPPED:
        return _SHIPPED[context.applicationId]
    archive = package_archive(Path(tempfile.mkdtemp(prefix="complaints-package-")))
    if archive is not None:
        context.addPyFile(str(archive))
        log.debug("Executors import the pipeline package from %s", archive)
    _SHIPPED[context.applicationId] = str(archive) if archive else ""
    return _SHIPPED[context.applicationId] or None


ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception)): (.+)$")


def failure_reason(error: BaseException) -> str:
    """The innermost reason of a Spark failure in one line: the last 'SomeError: message' line of the
    executor's Python traceback (wrapped in Java's) when there is one, else the message's first line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    found = [m for m in (ERROR_LINE.match(line) for line in lines) if m and not m.group(2).startswith("Traceback")]
    python = [m for m in found if not m.group(0).startswith(("org.", "java.", "scala."))]
    chosen = (python or found)[-1:] if (python or found) else []
    return f"{chosen[0].group(1)}: {chosen[0].group(2)}" if chosen else (lines[0] if lines else type(error).__name__)


@contextmanager
def spark_failures(what: str) -> Iterator[None]:
    """Turn a failed Spark job (an executor's error wrapped in Java's) into one InputFileError, ``what``
    then the reason, so the command exits 2 with a message instead of a page of Java and Python traceback."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JJavaError) as error:
        raise InputFileError(f"{what}: {failure_reason(error)}") from error
