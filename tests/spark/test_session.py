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
