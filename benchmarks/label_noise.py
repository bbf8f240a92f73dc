"""Label-issue detection on the bundled sample, against the generator's record of the labels it flipped.

    python -m benchmarks.label_noise [--params params.yaml]

Runs :func:`pipeline.lifecycle.label_issues.find_label_issues` on every sample record (as
``complaints label-issues data/sample/complaints.csv`` does) and reports precision and recall of
the flags against ``label_flipped`` in ``data/sample/generator_truth.csv``, overall and per year.
Synthetic text: this proves the method finds planted noise, not how it does on a council's records.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from pipeline.config import load_params
from pipeline.data import files
from pipeline.data.schema import validate
from pipeline.lifecycle.label_issues import find_label_issues

REPO = Path(__file__).resolve().parents[1]


def measure(params_file: Path) -> dict[str, float]:
    """Precision, recall and counts of the flags against the generator's flipped labels."""
    params = load_params(params_file)
    validated = validate(
        files.read_table(REPO / "data/sample/complaints.csv"), params.data, params.labels, purpose="train"
    )
    truth = pd.read_csv(REPO / "data/sample/generator_truth.csv", encoding="utf-8-sig")
    started = time.perf_counter()
    found = find_label_issues(validated.frame, params)
    seconds = time.perf_counter() - started
    checked = set(validated.frame["complaint_ref"]) - set(found.set_aside["complaint_ref"])
    flipped = set(truth.loc[truth["label_flipped"], "complaint_ref"]) & checked
    flagged = set(found.issues["complaint_ref"])
    hits = len(flagged & flipped)
    return {
        "records_checked": found.rows_checked,
        "flipped": len(flipped),
        "flagged": len(flagged),
        "found": hits,
        "precision": hits / len(flagged) if flagged else float("nan"),
        "recall": hits / len(flipped) if flipped else float("nan"),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=REPO / "params.yaml")
    result = measure(parser.parse_args().params)
    print(
        f"{result['records_checked']} records checked, {result['flipped']} labels flipped by the generator, "
        f"{result['flagged']} flagged, {result['found']} of them flipped: precision {result['precision']:.2f}, "
        f"recall {result['recall']:.2f} ({result['seconds']:.0f} s)"
    )


if __name__ == "__main__":
    main()
