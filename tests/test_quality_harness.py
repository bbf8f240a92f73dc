"""The benchmark harness runs end to end on a few hundred rows of every real dataset (quick mode).

The full run (python -m benchmarks.quality) is by hand; its results are committed in benchmarks/results.md.
"""

import math

import pytest

from benchmarks.quality import TASKS, markdown, run
from tests.conftest import needs_shared

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


@pytest.fixture(scope="session")  # session: made once even when other tests run between this module's
def quick_results():
    needs_shared("cfpb-sample", "complaints_sample.csv")
    return run(list(TASKS), quick=True)


def test_every_task_runs_the_pipeline_and_both_references_on_one_split(quick_results):
    for task in TASKS:
        result = quick_results["tasks"][task.name]
        if "skipped" in result:
            continue
        models = [row["model"] for row in result["models"]]
        expected = ["TF-IDF + LinearSVC (reference)", "TF-IDF + logistic regression", "this pipeline"]
        if task.multi_label:  # the themes it assigns, then those with the "possible" ones
            expected.append("this pipeline, assigned or possible")
        assert models == expected
        for row in result["models"]:
            headline = row.get("micro_f1" if task.multi_label else "accuracy")
            assert 0 < headline <= 1 and 0 < row["macro_f1"] <= 1
            assert row["train_seconds"] >= 0 and row["score_rows_per_second"] > 0
        ours = next(row for row in result["models"] if row["model"] == "this pipeline")
        assert 0 <= ours["ece"] <= 1 and not math.isnan(ours["ece"])
        assert result["test_rows"] > 0 and result["train_rows"] <= 600


def test_results_table_has_a_row_per_model(quick_results):
    table = markdown(quick_results)
    ran = [r for r in quick_results["tasks"].values() if "skipped" not in r]
    assert table.count("| this pipeline |") == len(ran) and "python -m benchmarks.quality --quick" in table
