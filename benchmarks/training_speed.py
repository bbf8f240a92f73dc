"""Training speed: the category model on 10,000 complaints and the 41-theme NHS model, timed end to end.

    python -m benchmarks.training_speed                    # speed only: writes training_speed.md and .json
    python -m benchmarks.training_speed --quality          # also every task of benchmarks.quality, new
                                                           # figures beside the committed results.json
    python -m benchmarks.training_speed --quality --baseline-ref main

Each model is trained through the public ``train`` / ``train_themes`` with its config's full search
(every C, class weight and calibration cross-validated on the training rows), in a child process
so its peak memory (the largest resident set of it and of its worker processes) is its own.
- category: configs/housing_ombudsman.yaml, 10,000 distinct complaints drawn (seed 0) from the
  standard training rows of the Housing Ombudsman findings (params.yaml's modelling settings).
- category_repeated (only with --runs): configs/cfpb.yaml (Product), the 1,220 standard training rows
  repeated in order up to 10,000; repeats land on both sides of a fold, so the cross-validated score is
  not a quality figure, and eight copies of each text weaken the SVM's regularisation eightfold, so
  this costs far more than 10,000 distinct texts.
- themes: configs/nhs.yaml on the standard NHS FFT training rows (benchmarks.nhs_themes.standard_split).
Targets on 2 cores: category <= 60 s, themes <= 90 s. With --quality the quality run is
benchmarks.quality's (written to benchmarks/results.md and .json as usual) and the figures committed
at --baseline-ref (default HEAD) are shown beside it; every task should be within 0.005 or better.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import quality
from pipeline.config import load_params
from pipeline.data import files
from pipeline.data.prepare import prepare
from pipeline.data.schema import validate

log = logging.getLogger(__name__)
CATEGORY_ROWS = 10_000
TARGET_SECONDS = {"category": 60.0, "themes": 90.0, "category_repeated": 60.0}
QUALITY_KEYS = ("accuracy", "micro_f1", "macro_f1", "ece", "selective_accuracy", "coverage")
TOLERANCE = 0.005


def _category(rows, params, task: str) -> dict[str, Any]:
    from pipeline.modelling.train import train

    started = time.perf_counter()
    trained = train(rows, params)
    return {
        "task": task,
        "rows": len(rows),
        "candidates": len(params.train.candidates()),
        "seconds": time.perf_counter() - started,
        "chosen": f"C={trained.chosen_C}, class_weight={trained.chosen_class_weight}, "
        f"calibration={trained.chosen_calibration}",
        "cv_score": f"macro-F1 {trained.cv_metrics['macro_f1']:.3f}",
    }


def _training_rows(config: str, data_file: str):
    params = load_params(quality.REPO / config)
    table = files.read_table(quality.SHARED / data_file)
    validated = validate(table, params.data, params.labels, purpose="train")
    return params, prepare(validated.frame, params.prepare, params.train.calibration_folds).train


def _category_run() -> dict[str, Any]:
    params, rows = _training_rows("configs/housing_ombudsman.yaml", "housing-ombudsman/complaint_findings.csv.gz")
    sample = rows.sample(n=CATEGORY_ROWS, random_state=0).reset_index(drop=True)
    task = f"category: Housing Ombudsman, {len(sample):,} distinct complaints of {len(rows):,} training rows"
    return _category(sample, params, task)


def _category_repeated_run() -> dict[str, Any]:
    params, rows = _training_rows("configs/cfpb.yaml", "cfpb-sample/complaints_sample.csv")
    repeated = rows.iloc[np.resize(np.arange(len(rows)), CATEGORY_ROWS)].reset_index(drop=True)
    task = f"category: CFPB Product, {len(rows):,} training rows repeated to {len(repeated):,}"
    return _category(repeated, params, task)


def _themes_run() -> dict[str, Any]:
    from benchmarks.nhs_themes import standard_split
    from pipeline.modelling.train import train_themes

    params = load_params(quality.REPO / "configs/nhs.yaml")
    rows, _, themes = standard_split(quality.SHARED / "nhs-fft-v6/v6framework_230831.csv")
    started = time.perf_counter()
    trained = train_themes(rows, rows[themes].to_numpy(), themes, params)
    seconds = time.perf_counter() - started
    return {
        "task": f"themes: NHS FFT, {len(themes)} themes, {len(rows):,} training rows",
        "rows": len(rows),
        "candidates": len(params.themes.candidates()),
        "seconds": seconds,
        "chosen": f"C={trained.chosen_C}, class_weight={trained.chosen_class_weight}",
        "cv_score": f"micro-F1 {trained.cv_metrics['micro_f1']:.3f}, macro-F1 {trained.cv_metrics['macro_f1']:.3f}",
    }


RUNS = {"category": _category_run, "themes": _themes_run, "category_repeated": _category_repeated_run}
DEFAULT_RUNS = ("category", "themes")


def _child(name: str) -> None:
    """Run one training in this process and print its result as the last line of JSON."""
    from joblib.externals.loky import get_reusable_executor

    result = RUNS[name]()
    get_reusable_executor().shutdown(wait=True)  # fold workers end here, so their peak counts below
    # Linux reports ru_maxrss in KiB: the largest of this process and of its (joblib) workers.
    peaks = [resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    sys.stdout.write(json.dumps(result | {"peak_mb": round(max(peaks) / 1024)}) + "\n")


def measure(name: str, repeat: int = 1) -> dict[str, Any]:
    """``repeat`` training runs, each in a fresh process: the median run's wall-clock seconds, peak memory,
    choice and CV score, with every run's seconds (this machine's timings vary by several seconds)."""
    runs = []
    for _ in range(repeat):
        finished = subprocess.run(
            [sys.executable, "-m", "benchmarks.training_speed", "--child", name],
            cwd=quality.REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(finished.stdout.strip().splitlines()[-1]))
    runs.sort(key=lambda run: run["seconds"])
    result = runs[len(runs) // 2]
    result["runs_seconds"] = [round(run["seconds"], 1) for run in runs]
    result["seconds"] = round(result["seconds"], 1)
    result["target_seconds"] = TARGET_SECONDS[name]
    return result


def baseline(ref: str) -> dict[str, Any]:
    """benchmarks/results.json as committed at ``ref``."""
    shown = subprocess.run(
        ["git", "show", f"{ref}:benchmarks/results.json"], cwd=quality.REPO, capture_output=True, text=True, check=True
    )
    return json.loads(shown.stdout)


def side_by_side(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The pipeline's row of every task, before and after, with the differences."""
    rows = []
    for name, task in after["tasks"].items():
        old_task = before["tasks"].get(name, {})
        old = next((row for row in old_task.get("models", []) if row["model"] == "this pipeline"), None)
        new = next((row for row in task.get("models", []) if row["model"] == "this pipeline"), None)
        if old is None or new is None:
            continue
        metrics = {
            key: {"before": old.get(key), "after": new.get(key)}
            for key in QUALITY_KEYS
            if old.get(key) is not None or new.get(key) is not None
        }
        rows.append(
            {
                "task": name,
                "metrics": metrics,
                "train_seconds": {"before": old["train_seconds"], "after": new["train_seconds"]},
                "chosen": {"before": old.get("chosen"), "after": new.get("chosen")},
            }
        )
    return rows


def _number(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Training speed",
        "",
        f"`{results['command']}`, {results['started']}, {results['machine']}.",
        f"Load: {results['load']}.",
        "",
        "| task | candidates | train s (median) | every run s | target s | peak memory MB | chosen | cross-validated |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in results["speed"]:
        every = ", ".join(f"{seconds:.1f}" for seconds in run.get("runs_seconds", [run["seconds"]]))
        lines.append(
            f"| {run['task']} | {run['candidates']} | {run['seconds']:.1f} | {every} | {run['target_seconds']:.0f} | "
            f"{run['peak_mb']} | {run['chosen']} | {run['cv_score']} |"
        )
    lines += [
        "",
        "The category run is 10,000 distinct complaints; `--runs category_repeated` times CFPB Product's",
        "1,220 training rows repeated to 10,000 instead: every text eight times over weakens the SVM's",
        "regularisation eightfold, so it costs far more than 10,000 distinct texts, and its cross-validated",
        "score is not a quality figure (a repeat of a test row is among the training rows).",
    ]
    if results.get("quality"):
        lines += [
            "",
            f"## Quality beside the committed figures ({results['baseline_ref']}: {results['baseline_started']})",
            "",
            "`python -m benchmarks.quality` in the same run; this pipeline's row of each task.",
            "",
            "| task | metric | before | after | change |",
            "|---|---|---|---|---|",
        ]
        for task in results["quality"]:
            for key, pair in task["metrics"].items():
                change = (
                    f"{pair['after'] - pair['before']:+.3f}"
                    if pair["before"] is not None and pair["after"] is not None
                    else "–"
                )
                lines.append(
                    f"| {task['task']} | {key} | {_number(pair['before'])} | {_number(pair['after'])} | {change} |"
                )
            seconds = task["train_seconds"]
            lines.append(f"| {task['task']} | train s | {seconds['before']:.1f} | {seconds['after']:.1f} | |")
            lines.append(f"| {task['task']} | chosen | {task['chosen']['before']} | {task['chosen']['after']} | |")
        lines += [
            "",
            "ECE, selective accuracy and coverage are at the suggestion threshold each model chose in",
            "training (see results.md). Lower is better for ECE only.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", nargs="*", choices=list(RUNS), default=list(DEFAULT_RUNS))
    parser.add_argument("--quality", action="store_true", help="Also run benchmarks.quality on every task.")
    parser.add_argument("--repeat", type=int, default=3, help="Training runs per task; the median is reported.")
    parser.add_argument("--baseline-ref", default="HEAD", help="Git ref whose benchmarks/results.json is 'before'.")
    parser.add_argument("--out", type=Path, default=quality.REPO / "benchmarks")
    parser.add_argument("--child", choices=list(RUNS), help=argparse.SUPPRESS)  # one timed run (internal)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    before = baseline(args.baseline_ref) if args.quality else None  # read before results.json is rewritten
    results: dict[str, Any] = {
        "command": "python -m benchmarks.training_speed " + " ".join(sys.argv[1:]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}",
        "load": "1/5/15-minute load average at start " + ", ".join(f"{value:.1f}" for value in os.getloadavg()),
        "speed": [],
    }
    for name in args.runs:
        results["speed"].append(measure(name, args.repeat))
        log.info("%s", results["speed"][-1])
    if args.quality:
        after = quality.run(list(quality.TASKS), quick=False)
        (args.out / "results.json").write_text(json.dumps(after, indent=2, default=str) + "\n", encoding="utf-8")
        (args.out / "results.md").write_text(quality.markdown(after), encoding="utf-8")
        results |= {
            "baseline_ref": args.baseline_ref,
            "baseline_started": before["started"],
            "quality": side_by_side(before, after),
        }
    results["load"] += "; at end " + ", ".join(f"{value:.1f}" for value in os.getloadavg())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "training_speed.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / "training_speed.md").write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
