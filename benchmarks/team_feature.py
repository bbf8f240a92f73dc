"""Does the recorded team help the category model? ``features.team`` false against true, same split.

    python -m benchmarks.team_feature                      # writes benchmarks/team_feature.md and .json
    python -m benchmarks.team_feature --out /tmp/bench --datasets sample
    python -m benchmarks.team_feature --housing-search point  # Housing Ombudsman at one search point (faster)

Datasets:
- sample: the bundled synthetic sample with ``params.yaml`` (the latest financial year is the holdout);
- housing: UK Housing Ombudsman determinations (../shared/data/housing-ombudsman, see its SOURCE.md) with
  ``configs/housing_ombudsman.yaml``: landlord as team, a random fifth of cases held out. Its categories
  are the compiler's keyword rules applied to the text (weak labels).

Each dataset is read as ``complaints train`` reads it (``read_training_file``), split once with
``prepare``, and the category model is trained twice through ``train`` on the same training rows, with
``features.team`` off and on; each is scored once on the same holdout by ``evaluate`` at its own
suggestion threshold. Beside the headline metrics the two arms are compared row by row on the holdout:
McNemar's exact test on the rows only one arm gets right, and a paired bootstrap interval for the
macro-F1 and accuracy differences.

Both arms search the full grid (every C x class weight x calibration, cross-validated on the training
rows) by default. ``--housing-search point`` narrows Housing Ombudsman to one search point, the same for
both arms: the point the team-off pipeline chose on this config and split in the committed quality
benchmark (``benchmarks/results.json``, housing_category), or, if that file does not say, the point a
team-off search chooses in this run.

Training runs its folds in worker processes that import ``pipeline`` from disk, so the run records the
commit and whether ``pipeline/`` had uncommitted changes, at the start and at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import f1_score

from benchmarks.quality import REPO, SHARED, _cell, _timed
from pipeline.config import Params, load_params
from pipeline.data.inputs import read_training_file
from pipeline.data.prepare import prepare
from pipeline.modelling.evaluate import evaluate
from pipeline.modelling.train import search_categories, train

BOOTSTRAP = 2000  # paired resamples of the holdout for the intervals of the differences
SEED = 0


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    config: str
    note: str
    narrowable: bool = False  # the search may be narrowed to one point (slow on this dataset)


DATASETS = (
    Dataset(
        "sample",
        "Bundled synthetic sample",
        "params.yaml",
        "synthetic children's social care complaints; holdout = latest financial year",
    ),
    Dataset(
        "housing",
        "UK Housing Ombudsman",
        "configs/housing_ombudsman.yaml",
        "landlord as team; weak keyword categories; holdout = random fifth of cases",
        narrowable=True,
    ),
)


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()} "
        f"(load average at start {load}; the machine is shared, so seconds vary between runs)"
    )


def code_version() -> dict[str, Any]:
    """The commit checked out and the uncommitted changes under pipeline/ (other people edit this tree)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    changed = git("status", "--porcelain", "--", "pipeline")
    return {"commit": git("rev-parse", "--short", "HEAD"), "pipeline_changes": changed.splitlines() if changed else []}


def with_team(params: Params, team: bool) -> Params:
    return dataclasses.replace(params, features=dataclasses.replace(params.features, team=team))


def at_point(params: Params, point: tuple[float, str | None, str]) -> Params:
    """The same params with the training search narrowed to one (C, class weight, calibration)."""
    C, weight, calibration = point
    return dataclasses.replace(
        params, train=dataclasses.replace(params.train, C=(C,), class_weight=(weight,), calibration=(calibration,))
    )


def committed_point(path: Path = REPO / "benchmarks" / "results.json") -> tuple[tuple, str] | None:
    """The point the team-off pipeline chose on Housing Ombudsman in the committed quality benchmark."""
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        task = results["tasks"]["housing_category"]
        row = next(row for row in task["models"] if row["model"] == "this pipeline")
        found = re.fullmatch(r"C=([\d.]+), class_weight=(\w+), calibration=(\w+)", row["chosen"])
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return None
    if not found:
        return None
    weight = None if found[2] == "None" else found[2]
    source = f"{path.relative_to(REPO)} (python -m benchmarks.quality, {results.get('started', 'date unknown')})"
    return (float(found[1]), weight, found[3]), source


def _predicted(trained, frame: pd.DataFrame) -> np.ndarray:
    probabilities = trained.predict_proba(frame)
    return np.asarray(trained.classes, dtype=object)[probabilities.argmax(axis=1)]


def paired(y_true: np.ndarray, off: np.ndarray, on: np.ndarray) -> dict[str, Any]:
    """Row-by-row comparison of the two arms on the same holdout rows."""
    right_off, right_on = off == y_true, on == y_true
    only_off, only_on = int((right_off & ~right_on).sum()), int((right_on & ~right_off).sum())
    discordant = only_off + only_on
    p_value = float(binomtest(only_on, discordant, 0.5).pvalue) if discordant else 1.0
    codes = {label: i for i, label in enumerate(sorted(set(y_true) | set(off) | set(on)))}
    truth = np.array([codes[v] for v in y_true])
    a, b = np.array([codes[v] for v in off]), np.array([codes[v] for v in on])
    rng = np.random.default_rng(SEED)
    f1_diffs, acc_diffs = [], []
    for _ in range(BOOTSTRAP):
        rows = rng.integers(0, len(truth), len(truth))
        t = truth[rows]
        f1_diffs.append(
            f1_score(t, b[rows], average="macro", zero_division=0)
            - f1_score(t, a[rows], average="macro", zero_division=0)
        )
        acc_diffs.append(float((b[rows] == t).mean() - (a[rows] == t).mean()))
    return {
        "rows": int(len(y_true)),
        "predictions_changed": int((off != on).sum()),
        "right_only_team_off": only_off,
        "right_only_team_on": only_on,
        "mcnemar_exact_p": p_value,
        "macro_f1_diff_95ci": [float(np.percentile(f1_diffs, 2.5)), float(np.percentile(f1_diffs, 97.5))],
        "accuracy_diff_95ci": [float(np.percentile(acc_diffs, 2.5)), float(np.percentile(acc_diffs, 97.5))],
    }


def _arm(name: str, params: Params, prepared, search: str) -> tuple[dict, np.ndarray]:
    print(f"  training {name} ({search}) ...", flush=True)
    trained, seconds = _timed(lambda: train(prepared.train, params))
    metrics = evaluate(trained, prepared.holdout, params.evaluate).metrics
    predicted = _predicted(trained, prepared.holdout)
    recomputed = float((predicted == prepared.holdout["category"].astype(object).to_numpy()).mean())
    assert abs(recomputed - metrics["accuracy"]) < 1e-9, "predictions differ from evaluate's"
    row = {
        "arm": name,
        "search": search,
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
        "ece": metrics["ece"],
        "suggestion_threshold": trained.suggestion_threshold,
        "threshold_source": trained.threshold_source,
        "coverage": metrics["coverage"],
        "selective_accuracy": metrics["selective_accuracy"],
        "chosen": f"C={trained.chosen_C}, class_weight={trained.chosen_class_weight}, "
        f"calibration={trained.chosen_calibration}",
        "cv_macro_f1": trained.cv_metrics["macro_f1"],
        "train_seconds": round(seconds, 1),
        "input_columns": list(trained.input_columns),
    }
    print(
        f"  {name}: accuracy {row['accuracy']:.4f}, macro-F1 {row['macro_f1']:.4f}, ECE {row['ece']:.4f}, "
        f"coverage {row['coverage']:.3f} at {row['suggestion_threshold']}, {row['chosen']}, {seconds:.0f} s",
        flush=True,
    )
    return row, predicted


def run_dataset(dataset: Dataset, housing_search: str) -> dict[str, Any]:
    params = load_params(REPO / dataset.config)
    data_file = Path(params.data.train_file)
    data_file = data_file if data_file.is_absolute() else (REPO / data_file).resolve()
    if not data_file.exists():
        message = f"{data_file} is not present"
        print(f"{dataset.name}: skipped, {message}", flush=True)
        return {"skipped": message}
    print(f"{dataset.name}: reading {data_file}", flush=True)
    validated = read_training_file(data_file, params)
    prepared = prepare(validated.frame, params.prepare, min_train_rows=params.train.calibration_folds)
    train_teams = set(prepared.train["team"].dropna())
    holdout_team = prepared.holdout["team"]
    result: dict[str, Any] = {
        "title": dataset.title,
        "config": dataset.config,
        "data_file": str(data_file),
        "note": dataset.note,
        "rows_train": len(prepared.train),
        "rows_holdout": len(prepared.holdout),
        "holdout": prepared.holdout_name,
        "classes": int(prepared.train["category"].nunique()),
        "teams_train": len(train_teams),
        "holdout_rows_team_unseen_or_missing": int((~holdout_team.isin(train_teams) | holdout_team.isna()).sum()),
    }
    off, on = with_team(params, False), with_team(params, True)
    search = "full grid"
    if dataset.narrowable and housing_search == "point":
        found = committed_point()
        if found is None:
            print("  no committed choice: searching the full grid with team off to choose the point", flush=True)
            searched, seconds = _timed(lambda: search_categories(prepared.train, off))
            found = (searched.chosen, f"a team-off search in this run ({seconds:.0f} s)")
        point, source = found
        off, on = at_point(off, point), at_point(on, point)
        search = "one point"
        result["search_note"] = (
            f"Both arms fitted at one search point, C={point[0]}, class_weight={point[1]}, "
            f"calibration={point[2]}: the point the team-off pipeline chose, taken from {source}. "
            "Cross-validation still picks the suggestion threshold and top-label calibration on the training rows."
        )
    else:
        grid = len(params.train.candidates())
        result["search_note"] = (
            f"Each arm searched the full grid ({grid} points) by cross-validation on its training rows."
        )
    row_off, predicted_off = _arm("team off", off, prepared, search)
    row_on, predicted_on = _arm("team on", on, prepared, search)
    result["arms"] = [row_off, row_on]
    result["paired"] = paired(prepared.holdout["category"].astype(object).to_numpy(), predicted_off, predicted_on)
    result["verdict"] = verdict(row_off, row_on, result["paired"])
    print(f"  {result['verdict']}", flush=True)
    return result


def verdict(off: dict, on: dict, compared: dict) -> str:
    low, high = compared["macro_f1_diff_95ci"]
    delta_f1, delta_acc = on["macro_f1"] - off["macro_f1"], on["accuracy"] - off["accuracy"]
    numbers = (
        f"macro-F1 {delta_f1:+.3f} (95% interval {low:+.3f} to {high:+.3f}), accuracy {delta_acc:+.3f}, "
        f"McNemar p = {compared['mcnemar_exact_p']:.2g} ({compared['right_only_team_on']} rows right only with "
        f"the team, {compared['right_only_team_off']} only without)"
    )
    if low > 0 and compared["mcnemar_exact_p"] < 0.05 and delta_acc >= 0:
        return f"The team helps here: {numbers}."
    if high < 0:
        return f"The team makes it worse here: {numbers}."
    return f"The team does not measurably help here: {numbers}."


def code(version: dict) -> str:
    changes = version["pipeline_changes"]
    return f"{version['commit']}" + (f" with {len(changes)} uncommitted change(s) under pipeline/" if changes else "")


def markdown(results: dict) -> str:
    lines = [
        "# The team as a feature (`features.team`)",
        "",
        f"`{results['command']}`, {results['started']}, {results['machine']}; {results['seconds']:.0f} s in all.",
        f"Code: commit {code(results['code_at_start'])} at the start, {code(results['code_at_end'])} at the end.",
        "",
        "The category model trained twice on the same training rows, `features.team: false` and `true`, each",
        "scored once on the same holdout at its own suggestion threshold (chosen in training on out-of-fold",
        "predictions). The switch stays off by default (params.yaml).",
        "",
        "| dataset | team | search | accuracy | macro-F1 | ECE | threshold | coverage | selective accuracy "
        "| chosen point | CV macro-F1 | train s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, found in results["datasets"].items():
        if "skipped" in found:
            lines.append(f"| {name} | skipped: {found['skipped']} | | | | | | | | | | |")
            continue
        for row in found["arms"]:
            lines.append(
                f"| {found['title']} | {row['arm'].split()[-1]} | {row['search']} | {_cell(row['accuracy'])} | "
                f"{_cell(row['macro_f1'])} | {_cell(row['ece'])} | {_cell(row['suggestion_threshold'])} | "
                f"{_cell(row['coverage'])} | {_cell(row['selective_accuracy'])} | {row['chosen']} | "
                f"{_cell(row['cv_macro_f1'])} | {_cell(row['train_seconds'], 1)} |"
            )
    lines.append("")
    for name, found in results["datasets"].items():
        if "skipped" in found:
            lines += [f"## {name}", "", f"Skipped: {found['skipped']}.", ""]
            continue
        compared = found["paired"]
        lines += [
            f"## {found['title']}",
            "",
            f"`{found['config']}`: {found['note']}. {found['rows_train']} training rows, {found['rows_holdout']} "
            f"held out ({found['holdout']}), {found['classes']} categories, {found['teams_train']} teams in training; "
            f"{found['holdout_rows_team_unseen_or_missing']} holdout rows have a team not seen in training (or none).",
            "",
            found["search_note"],
            "",
            *(
                [
                    "Coverage is 1.000 for both arms: the threshold each chose is below every holdout confidence, "
                    "so every complaint gets a suggestion and selective accuracy equals accuracy.",
                    "",
                ]
                if all(row["coverage"] == 1.0 for row in found["arms"])
                else []
            ),
            f"Paired on the holdout: {compared['predictions_changed']} of {compared['rows']} first suggestions change "
            f"when the team is added; {compared['right_only_team_on']} rows are right only with it, "
            f"{compared['right_only_team_off']} only without it (McNemar exact p = {compared['mcnemar_exact_p']:.2g}). "
            f"Paired bootstrap ({BOOTSTRAP} resamples) 95% interval of the difference (on - off): macro-F1 "
            f"{compared['macro_f1_diff_95ci'][0]:+.3f} to {compared['macro_f1_diff_95ci'][1]:+.3f}, accuracy "
            f"{compared['accuracy_diff_95ci'][0]:+.3f} to {compared['accuracy_diff_95ci'][1]:+.3f}.",
            "",
            f"**{found['verdict']}**",
            "",
        ]
    lines += [
        "ECE: expected calibration error of the first suggestion's confidence (10 bins). Coverage: share of holdout",
        "complaints whose first suggestion reaches the model's threshold; selective accuracy: how often those are",
        "right. CV macro-F1: cross-validated on the training rows at the chosen point. Training seconds are wall",
        "time on a shared machine and include text normalisation and the cross-validated search.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks", help="Folder for team_feature.md and .json.")
    parser.add_argument("--datasets", nargs="*", choices=[d.name for d in DATASETS], default=[d.name for d in DATASETS])
    parser.add_argument(
        "--housing-search",
        choices=["point", "full"],
        default="full",
        help="full (default): the full grid for both arms; point: both arms at the team-off choice (faster).",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    command = "python -m benchmarks.team_feature" + ("" if len(sys.argv) < 2 else " " + " ".join(sys.argv[1:]))
    results: dict[str, Any] = {
        "command": command,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine(),
        "code_at_start": code_version(),
        "shared_data": str(SHARED),
        "datasets": {},
    }
    started = time.perf_counter()
    for dataset in DATASETS:
        if dataset.name in args.datasets:
            results["datasets"][dataset.name] = run_dataset(dataset, args.housing_search)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["code_at_end"] = code_version()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "team_feature.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    (args.out / "team_feature.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
