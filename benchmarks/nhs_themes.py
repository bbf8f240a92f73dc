"""NHS patient feedback themes (multi-label): this pipeline beside the reference, on the standard split.

    python -m benchmarks.nhs_themes [--params configs/nhs.yaml] [--json out.json] [--skip-weak]

The split is rebuilt exactly as ../shared/data/nhs-fft-v6/SOURCE.md states (pandas defaults, usable
rows in file order, themes with >= 10 positives, GroupShuffleSplit by respondent, random_state 42).
Both models train on the training rows only; the pipeline tunes C and a threshold per theme by
cross-validation inside them (grouped by respondent). The test rows are scored once.

The weak-supervision check hides the labels, labels the training texts with seed patterns written
from four theme definitions only (configs/nhs_weak_themes.yaml), trains on those weak labels and
measures pattern and model predictions against the hidden labels on the test rows.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupShuffleSplit
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from pipeline.config import load_params
from pipeline.data.taxonomy import ThemeMatcher, taxonomy_from_dict
from pipeline.modelling.evaluate import evaluate_themes
from pipeline.modelling.metrics import multilabel_metrics
from pipeline.modelling.train import train_themes
from pipeline.modelling.training_job import pattern_coverage

NOT_THEMES = [
    "Comment ID",
    "Trust",
    "Respondent ID",
    "Date",
    "Service type 1",
    "Service type 2",
    "FFT categorical answer",
    "FFT question",
    "FFT answer",
    "Person identifiable info?",
    "Comment sentiment",
]
REFERENCE = {"micro_f1": 0.63, "macro_f1": 0.41}
TARGET = {"micro_f1": 0.68, "macro_f1": 0.52}
WEAK_THEMES = {  # hidden NHS column for each weakly labelled theme
    "timeliness": "Timeliness of care",
    "staff_manner": "Staff manner & personal attributes",
    "kept_informed": "Being kept informed, clarity & consistency of information",
    "staff_continuity": "Staff continuity",
}


def standard_split(path: Path, random_state: int = 42) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Training and test rows (description, group and 0/1 theme columns) exactly as SOURCE.md defines them
    (another ``random_state`` redraws the split the same way)."""
    raw = pd.read_csv(path)
    answer = raw["FFT answer"]
    usable = raw[answer.notna() & (answer.astype(str).str.strip().str.lower() != "did not answer")].reset_index(
        drop=True
    )
    theme_columns = [c for c in raw.columns if c not in NOT_THEMES]
    labels = usable[theme_columns].fillna(0).astype(int).clip(0, 1)
    themes = [c for c in theme_columns if labels[c].sum() >= 10]
    frame = pd.DataFrame(
        {
            "description": usable["FFT answer"].astype(str),
            "group": usable["Respondent ID"].astype(str),
        }
    ).join(labels[themes])
    splitter = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=random_state)
    train_rows, test_rows = next(splitter.split(frame, groups=frame["group"]))
    return frame.iloc[train_rows].reset_index(drop=True), frame.iloc[test_rows].reset_index(drop=True), themes


def reference(train: pd.DataFrame, test: pd.DataFrame, themes: list[str]) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        OneVsRestClassifier(LinearSVC(C=0.5, class_weight="balanced")),
    ).fit(train["description"], train[themes].to_numpy())
    return model.predict(test["description"]), time.perf_counter() - started


def weak_check(params, train: pd.DataFrame, test: pd.DataFrame, taxonomy_file: Path) -> dict[str, dict]:
    """Seed patterns label the training texts; compare patterns and the weak-label model with hidden labels."""
    taxonomy = taxonomy_from_dict(yaml.safe_load(taxonomy_file.read_text(encoding="utf-8")), str(taxonomy_file))
    ids = list(taxonomy.ids)
    matcher = ThemeMatcher(taxonomy)
    weak = np.array([[i in found for i in ids] for found in matcher.label_matrix(train["description"])], dtype=int)
    trained = train_themes(train, weak, ids, params, target_recall=params.themes.weak_recall)
    hidden = test[[WEAK_THEMES[i] for i in ids]].to_numpy()
    pattern_hits = np.array([[i in found for i in ids] for found in matcher.label_matrix(test["description"])])
    _, model_hits = trained.predict(test)
    combined = pattern_hits | model_hits
    results = {}
    for name, predicted in (("patterns", pattern_hits), ("weak model", model_hits), ("patterns or model", combined)):
        precision, recall, f1, _ = precision_recall_fscore_support(hidden, predicted, zero_division=0)
        results[name] = {
            i: {"precision": float(p), "recall": float(r), "f1": float(f)}
            for i, p, r, f in zip(ids, precision, recall, f1, strict=True)
        }
    coverage = pattern_coverage(trained, train, weak)
    results["training texts matched"] = {i: c["matched_by_patterns"] for i, c in coverage.items()}
    results["training texts added by the model"] = {i: c["added_by_model"] for i, c in coverage.items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="configs/nhs.yaml")
    parser.add_argument("--weak-taxonomy", default="configs/nhs_weak_themes.yaml", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip-weak", action="store_true")
    args = parser.parse_args()
    params = load_params(args.params)
    train, test, themes = standard_split(Path(params.data.train_file))
    truth = test[themes].to_numpy()

    predicted, reference_seconds = reference(train, test, themes)
    started = time.perf_counter()
    trained = train_themes(train, train[themes].to_numpy(), themes, params)
    seconds = time.perf_counter() - started
    ours = evaluate_themes(trained, test, truth)
    baseline = multilabel_metrics(truth, predicted.astype(float), np.full(len(themes), 0.5), themes)

    print(f"NHS FFT themes, standard split: {len(train)} training rows, {len(test)} test rows, {len(themes)} themes")
    print(f"{'model':40s} {'micro-F1':>8s} {'macro-F1':>8s} {'train s':>8s}")
    print(
        f"{'reference TF-IDF + OvR LinearSVC (same run)':40s} {baseline['micro_f1']:8.3f} {baseline['macro_f1']:8.3f} "
        f"{reference_seconds:8.1f}"
    )
    print(f"{'this pipeline':40s} {ours['micro_f1']:8.3f} {ours['macro_f1']:8.3f} {seconds:8.1f}")
    print(
        f"published reference: micro {REFERENCE['micro_f1']}, macro {REFERENCE['macro_f1']}; "
        f"target micro >= {TARGET['micro_f1']}, macro >= {TARGET['macro_f1']}; "
        f"chosen by CV: C={trained.chosen_C}, class_weight={trained.chosen_class_weight}"
    )
    print(f"\n{'theme':58s} {'n':>4s}  {'ref P/R/F1':>17s}  {'ours P/R/F1':>17s}")
    for theme in themes:
        r, o = baseline["per_theme"][theme], ours["per_theme"][theme]
        print(
            f"{theme[:58]:58s} {o['support']:4d}  {r['precision']:.2f} {r['recall']:.2f} {r['f1']:.2f}  "
            f"{o['precision']:.2f} {o['recall']:.2f} {o['f1']:.2f}"
        )
    report = {
        "split": {"train": len(train), "test": len(test), "themes": len(themes)},
        "reference": baseline,
        "pipeline": ours,
        "train_seconds": seconds,
    }
    if not args.skip_weak:
        report["weak"] = weak_check(params, train, test, args.weak_taxonomy)
        print("\nWeak supervision, 4 themes, against the hidden labels on the test rows:")
        for name in ("patterns", "weak model", "patterns or model"):
            row = "  ".join(f"{i} P {v['precision']:.2f} R {v['recall']:.2f}" for i, v in report["weak"][name].items())
            print(f"  {name:18s} {row}")
        print(f"  training texts matched by patterns: {report['weak']['training texts matched']}")
        print(f"  further training texts the model adds: {report['weak']['training texts added by the model']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
