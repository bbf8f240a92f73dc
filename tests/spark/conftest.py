"""One SparkSession (local[2], no UI, few shuffle partitions) for every Spark test: the JVM starts once."""

import pytest

from pipeline.spark.session import java_missing


@pytest.fixture(scope="session")
def spark():
    why = java_missing()
    if why:
        pytest.skip(f"No Java on this machine, so Spark cannot start: {why}")
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install '.[spark]')")
    from pipeline.spark.session import spark_session

    session = spark_session("local[2]", "complaints-tests", {"spark.sql.shuffle.partitions": "2"})
    yield session
    session.stop()
