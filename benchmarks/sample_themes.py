"""Themes on the bundled synthetic sample, against the generator's record of each complaint's themes.

    python -m benchmarks.sample_themes

Trains on 2011/12-2013/14 and measures on 2014/15: the supervised theme model (recorded themes),
the seed patterns alone, and the weak route (a model trained on the patterns' labels). The text is
synthetic, so this checks the plumbing and the relative behaviour of the routes, not real accuracy.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from pipeline.config import load_params
from pipeline.data import files, inputs
from pipeline.data.prepare import prepare, prepare_themes
from pipeline.data.schema import theme_matrix, theme_sets, validate
from pipeline.data.taxonomy import ThemeMatcher
from pipeline.modelling.evaluate import evaluate_themes
from pipeline.modelling.metrics import multilabel_metrics
from pipeline.modelling.train import train_themes


def main() -> None:
    params = load_params("params.yaml")
    taxonomy = inputs.read_taxonomy(params.themes)
    validated = validate(files.read_table(params.data.train_file), params.data, params.labels, need_dates=True)
    prepared = prepare(validated.frame, params.prepare, params.train.calibration_folds)
    truth = files.read_table("data/sample/generator_truth.csv").set_index("complaint_ref")["true_themes"]
    ids = list(taxonomy.ids)
    true_holdout = theme_matrix(theme_sets(truth.reindex(prepared.holdout["complaint_ref"]).astype("string")), ids)

    supervised = prepare_themes(prepared, params.themes)
    trained = train_themes(prepared.train, theme_matrix(theme_sets(prepared.train["themes"]), ids), ids, params)
    rows = {"supervised model (recorded themes)": evaluate_themes(trained, prepared.holdout, true_holdout)}
    matcher = ThemeMatcher(taxonomy)
    weak = prepare_themes(prepared, dataclasses.replace(params.themes, labels="patterns"), matcher)
    patterns = theme_matrix(matcher.label_matrix(prepared.holdout["description"]), weak.theme_ids)
    weak_ids = list(weak.theme_ids)
    weak_truth = theme_matrix(theme_sets(truth.reindex(prepared.holdout["complaint_ref"]).astype("string")), weak_ids)
    rows["seed patterns alone"] = multilabel_metrics(
        weak_truth, patterns.astype(float), np.full(len(weak_ids), 0.5), weak_ids
    )
    weak_model = train_themes(
        prepared.train, weak.train_targets, weak_ids, params, target_recall=params.themes.weak_recall
    )
    rows["weak route (model on pattern labels)"] = evaluate_themes(weak_model, prepared.holdout, weak_truth)
    _, predicted = weak_model.predict(prepared.holdout)
    rows["patterns or weak model"] = multilabel_metrics(
        weak_truth, (predicted | patterns.astype(bool)).astype(float), np.full(len(weak_ids), 0.5), weak_ids
    )
    print(
        f"Sample themes: {len(prepared.train)} training rows, {len(prepared.holdout)} holdout rows (2014/15), "
        f"measured against the generator's themes; {len(supervised.theme_ids)} themes learned"
    )
    print(f"{'route':40s} {'micro-F1':>8s} {'macro-F1':>8s}")
    for name, metrics in rows.items():
        print(f"{name:40s} {metrics['micro_f1']:8.3f} {metrics['macro_f1']:8.3f}")
    table = pd.DataFrame({name: {t: m["per_theme"][t]["f1"] for t in m["per_theme"]} for name, m in rows.items()})
    print("\nF1 per theme:\n" + table.round(2).to_string())


if __name__ == "__main__":
    main()
