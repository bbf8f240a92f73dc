"""PySpark stays optional: only pipeline/spark imports it, and a machine without Java is told what to install."""

import ast
from pathlib import Path

from pipeline.spark.session import java_missing

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline"


def test_only_the_spark_package_imports_pyspark():
    importers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name.split(".")[0] == "pyspark" for name in names):
                importers.add(path.relative_to(PACKAGE).parts[0])
    assert importers == {"spark"}


def test_without_java_the_message_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert "openjdk-17-jre-headless" in java_missing()


def test_executors_run_this_checkouts_pipeline_not_another_installed_copy(spark):
    """The session ships the driver's package: an executor reports where it imported pipeline from and the
    source of this very module, which another copy (an editable install of another checkout) would not have."""
    import hashlib
    import inspect
    import zipfile

    from pipeline.spark.session import ship_package

    def imported(_):
        import pipeline.spark.session as session

        yield session.__file__, hashlib.sha256(inspect.getsource(session).encode()).hexdigest()

    where, digest = spark.sparkContext.parallelize([0], 1).mapPartitions(imported).collect()[0]
    here = PACKAGE / "spark" / "session.py"
    shipped = ship_package(spark)  # what the session shipped when it started (not shipped twice)
    assert zipfile.ZipFile(shipped).read("pipeline/spark/session.py") == here.read_bytes()
    # From the shipped archive, or this checkout itself when it is the executors' working folder.
    assert "complaints_pipeline.zip" in where or where.startswith(str(PACKAGE))
    assert digest == hashlib.sha256(here.read_text(encoding="utf-8").encode()).hexdigest()
