"""The root-cause report at scale: one year of UK Housing Ombudsman determinations (574 landlords).

    python -m benchmarks.report_scale [--year 2024/25] [--repeats 3] [--json out.json]

Runs the ``complaints report`` command end to end in a child process (read the 33,096-row file,
validate, normalise, build every table, group sentences, render the page and the workbook, write
both) and reports the wall time and peak memory of each run. Target: under 60 seconds on a
2-core machine. Needs ../shared/data/housing-ombudsman beside the repository.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "housing-ombudsman" / "complaint_findings.csv.gz"
CONFIG = REPO / "configs" / "housing_ombudsman.yaml"
TARGET_SECONDS = 60


def run_once(year: str, out: Path) -> dict[str, float]:
    """One report in a fresh process: wall seconds and that process's peak resident memory (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "report",
            str(DATA),
            "--params",
            str(CONFIG),
            "--year",
            year,
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"complaints report failed:\n{result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": round(seconds, 1), "peak_mb": round(max(peak, before) / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--year", default="2024/25")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} is not present: the real datasets live in ../shared/data beside the repository.")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        runs = [run_once(args.year, out) for _ in range(args.repeats)]
        stem = f"complaints_report_{args.year.replace('/', '-')}"
        workbook = openpyxl.load_workbook(out / f"{stem}.xlsx", read_only=True)
        page_kb = round((out / f"{stem}.html").stat().st_size / 1024)
        sheets = len(workbook.sheetnames)
    best = min(run["seconds"] for run in runs)
    result = {
        "dataset": "housing-ombudsman",
        "year": args.year,
        "runs_seconds": [run["seconds"] for run in runs],
        "best_seconds": best,
        "peak_mb": max(run["peak_mb"] for run in runs),
        "html_kb": page_kb,
        "workbook_sheets": sheets,
        "target_seconds": TARGET_SECONDS,
        "meets_target": best < TARGET_SECONDS,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
