"""The model `make demo` trains (the bundled sample, params.yaml defaults), measured where it was not trained.

    python -m benchmarks.demo_model [--json out.json]

Two checks, both outside the training rows:

- the sample's new year (data/sample/closed_2015_16.csv, its true themes from generator_truth.csv): how
  many themes the model assigns per complaint against the true mean, and each theme's assigned share
  against its true share (issue 20: within 30% of the mean, no theme above twice its share);
- tests/corpora/independent_complaints: 206 complaints written by hand independently of the sample
  generator (its README says how). Category accuracy and macro-F1, and theme micro-/macro-F1 of the
  assigned themes and of assigned-or-possible ones. This set is read here only: never to train or tune.

benchmarks.quality runs this as its "sample" section.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params, load_params
from pipeline.data import files, inputs
from pipeline.data.schema import theme_matrix, theme_sets, validate
from pipeline.modelling.metrics import classification_metrics, multilabel_metrics
from pipeline.modelling.training_job import train_and_evaluate

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
INDEPENDENT = REPO / "tests" / "corpora" / "independent_complaints" / "complaints.csv"
TARGETS = {
    "mean_themes_within": 0.30,  # assigned themes per complaint, relative to the true mean
    "max_share_ratio": 2.0,  # no theme assigned to more than twice its true share
    "independent_accuracy": 0.70,
    "independent_macro_f1": 0.60,
    "independent_theme_micro_f1": 0.55,
}


def train_demo(params: Params) -> Any:
    """Train as `complaints train` does on the sample: the training years, the latest held out."""
    taxonomy = inputs.read_taxonomy(params.themes)
    raw = files.read_table(REPO / params.data.train_file)
    validated = validate(raw, params.data, params.labels, purpose="train", need_dates=True)
    return train_and_evaluate(validated, params, taxonomy)


def _theme_counts(model: Any, frame: pd.DataFrame, truth: np.ndarray) -> dict[str, Any]:
    """Assigned and possible themes against the truth, and how assigned counts compare with true ones."""
    probabilities = model.predict_proba(frame)
    assigned = probabilities >= model.theme_thresholds[None, :]
    possible = probabilities >= model.possible_thresholds[None, :]
    ids = list(model.labels)
    true_share = truth.mean(axis=0)
    assigned_share = assigned.mean(axis=0)
    ratios = {
        theme: float(assigned_share[k] / true_share[k])
        if true_share[k]
        else (float("inf") if assigned_share[k] else 0.0)
        for k, theme in enumerate(ids)
    }
    worst = max(ratios, key=ratios.get)
    both = multilabel_metrics(truth, probabilities, model.possible_thresholds, ids)
    shown = multilabel_metrics(truth, probabilities, model.theme_thresholds, ids)
    return {
        "rows": len(frame),
        "true_mean_themes": float(truth.sum(axis=1).mean()),
        "assigned_mean_themes": float(assigned.sum(axis=1).mean()),
        "assigned_or_possible_mean_themes": float((assigned | possible).sum(axis=1).mean()),
        "max_share_ratio": ratios[worst],
        "max_share_theme": worst,
        "assigned_micro_f1": shown["micro_f1"],
        "assigned_macro_f1": shown["macro_f1"],
        "assigned_micro_precision": float((assigned & truth.astype(bool)).sum() / max(assigned.sum(), 1)),
        "assigned_or_possible_micro_f1": both["micro_f1"],
        "assigned_or_possible_macro_f1": both["macro_f1"],
        "themes_assigned": int(np.isfinite(model.theme_thresholds).sum()),
        "themes_possible_only": int((~np.isfinite(model.theme_thresholds)).sum()),
    }


def new_year(result: Any) -> dict[str, Any]:
    """The theme model on the sample's new year, against the generator's true themes."""
    model = result.themes.trained
    closed = files.read_table(SAMPLE / "closed_2015_16.csv")
    closed = closed[closed["description"].fillna("").str.strip() != ""].reset_index(drop=True)
    truth = files.read_table(SAMPLE / "generator_truth.csv").set_index("complaint_ref")["true_themes"]
    true_sets = theme_sets(truth.reindex(closed["complaint_ref"]).astype("string"))
    return _theme_counts(model, closed, theme_matrix(true_sets, model.labels))


def independent(result: Any, params: Params) -> dict[str, Any]:
    """Category and theme figures on the independent hand-written set."""
    frame = pd.read_csv(INDEPENDENT, dtype=str, keep_default_na=False)
    category = result.category.trained
    metrics = classification_metrics(
        frame["category"].to_numpy(dtype=object),
        category.predict_proba(frame),
        category.classes,
        params.evaluate.top_k,
        category.suggestion_threshold,
        params.evaluate.calibration_bins,
    )
    predicted = np.asarray(category.classes, dtype=object)[category.predict_proba(frame).argmax(axis=1)]
    never = sorted(set(frame["category"]) - set(predicted))
    themes = result.themes.trained
    truth = theme_matrix(theme_sets(frame["themes"].replace("", pd.NA).astype("string")), themes.labels)
    return {
        "rows": len(frame),
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
        "ece": metrics["ece"],
        "never_predicted": never,
        "themes": _theme_counts(themes, frame, truth),
    }


def run(params: Params) -> dict[str, Any]:
    started = time.perf_counter()
    result = train_demo(params)
    seconds = time.perf_counter() - started
    return {
        "train_seconds": round(seconds, 1),
        "holdout": {
            "accuracy": result.category.evaluation.metrics["accuracy"],
            "macro_f1": result.category.evaluation.metrics["macro_f1"],
            "theme_micro_f1": result.themes.holdout_metrics["micro_f1"],
        },
        "new_year": new_year(result),
        "independent": independent(result, params) if INDEPENDENT.exists() else {"skipped": f"{INDEPENDENT} absent"},
        "targets": TARGETS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=str(REPO / "params.yaml"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = run(load_params(args.params))
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
