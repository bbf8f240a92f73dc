"""The model card: what a saved model is, what it learned from, how well it did, and its limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.config import Params
from pipeline.data.prepare import Prepared
from pipeline.data.taxonomy import Taxonomy, taxonomy_to_dict
from pipeline.modelling.evaluate import Evaluation
from pipeline.modelling.train import TrainedCategoryModel, TrainedThemeModel

INTENDED_USE = (
    "Suggests one of the recorded complaint categories for a complaint's free-text description, with the "
    "top three and calibrated probabilities, to help a complaints officer categorise at intake and an analyst "
    "review a year's records. A person makes the final decision; suggestions under the suggestion threshold "
    "are marked 'needs review'. Not for decisions about individuals, and not for complaints outside the "
    "service and period it was trained on."
)


def data_fingerprint(frame: pd.DataFrame) -> str:
    """A stable hash of the rows a model learned from (text and label), independent of file format."""
    hashed = pd.util.hash_pandas_object(frame[["description", "category"]].astype(str), index=False)
    return f"{int(hashed.sum()) & 0xFFFFFFFFFFFFFFFF:016x}-{len(frame)}"


def _weaknesses(trained: TrainedCategoryModel, evaluation: Evaluation, prepared: Prepared) -> list[str]:
    notes = []
    excluded = prepared.excluded[prepared.excluded["reason_code"].isin(["rare_category", "too_few_in_training"])]
    if len(excluded):
        names = sorted(set(excluded["reason"].str.extract(r"category '([^']+)'")[0].dropna()))
        notes.append(f"Never suggested (too few training examples): {', '.join(names)}.")
    for label, scores in evaluation.metrics["per_category"].items():
        if 0 < scores["support"] < 10:
            notes.append(f"'{label}' has only {scores['support']} holdout examples; its figures are uncertain.")
        elif scores["support"] and scores["f1"] < 0.5:
            notes.append(f"'{label}' is often confused (holdout F1 {scores['f1']:.2f}).")
    notes += _gaps("texts of", evaluation.metrics.get("by_length", {}), evaluation.metrics["accuracy"])
    notes += _gaps("complaints about", evaluation.metrics.get("by_team", {}), evaluation.metrics["accuracy"])
    notes.append("Very short descriptions carry little evidence and are flagged for review.")
    return notes


GAP = 0.10  # a group this much less accurate than the whole holdout is named
MIN_GROUP = 20  # ... when it has at least this many holdout rows (fewer say little)


def _gaps(kind: str, groups: Mapping[str, Mapping[str, float]], overall: float) -> list[str]:
    """Groups (teams, text lengths) where the holdout accuracy falls well below the overall accuracy."""
    return [
        f"Less accurate for {kind} {name}: {scores['accuracy']:.0%} on {scores['n']} holdout complaints, "
        f"against {overall:.0%} overall."
        for name, scores in groups.items()
        if scores["n"] >= MIN_GROUP and scores["accuracy"] <= overall - GAP
    ]


def build_model_card(
    params: Params,
    trained: TrainedCategoryModel,
    evaluation: Evaluation,
    prepared: Prepared,
    data_summary: Mapping[str, Any],
    versions: Mapping[str, str],
    commit: str,
    created_utc: str,
    benchmarks: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything needed to trust, reproduce or retire the model (the file hash is added on save).

    ``benchmarks`` is the committed benchmark run (benchmarks/results.json): how this pipeline did on
    public complaint data, which says more about accuracy than a council's own holdout of synthetic text.
    """
    return {
        "model": params.tracking.registered_model,
        "task": "complaint category (single label)",
        "created_utc": created_utc,
        "intended_use": INTENDED_USE,
        "labels": list(trained.classes),
        "input_columns": list(trained.input_columns),
        "label_vocabulary": list(params.labels.categories) if params.labels.categories else None,
        "alias_table": dict(params.labels.aliases),
        "thresholds": {
            "suggestion_threshold": trained.suggestion_threshold,
            "suggestion_threshold_from": trained.threshold_source,
            "top_k": params.evaluate.top_k,
        },
        "training": {
            "chosen_C": trained.chosen_C,
            "chosen_class_weight": trained.chosen_class_weight,
            "chosen_calibration": trained.chosen_calibration,
            "confidence_calibration": trained.confidence_calibration,
            "cv_metrics_are": "before the top-label remapping"
            if trained.confidence_calibration == "top_label"
            else "of the model as saved",
            "cv_folds": trained.cv_folds,
            "calibration_folds": trained.calibration_folds,
            "cv_search_macro_f1": {name: round(s["macro_f1"], 4) for name, s in trained.cv_search.items()},
        },
        "data": {
            **data_summary,
            "training_rows_fingerprint": data_fingerprint(prepared.train),
            "holdout": prepared.holdout_name,
        },
        "metrics": {"holdout": evaluation.metrics, "cross_validation": trained.cv_metrics},
        "known_weaknesses": _weaknesses(trained, evaluation, prepared),
        "benchmarks": benchmark_summary(benchmarks),
        "params": params.as_dict(),
        "versions": dict(versions),
        "git_commit": commit,
    }


THEMES_INTENDED_USE = (
    "Suggests the root-cause themes of a complaint (any number, possibly none) with a probability each and "
    "the words behind them, so that service leads can count and follow recurring causes per team. A theme "
    "is assigned when its probability reaches the theme's threshold, and only themes whose assignments were "
    "right often enough in training are ever assigned; the others are listed apart as 'possible', for a "
    "person to confirm. Themes describe why complaints arise; they are not findings about any person and "
    "should be read in aggregate."
)


def _rounded(value: float) -> float | None:
    return round(float(value), 4) if value == value and abs(value) != float("inf") else None


def _theme_entries(trained: TrainedThemeModel, theme_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Per theme: its thresholds (assign: null when only ever possible) and the out-of-fold evidence."""
    detail = trained.threshold_detail
    entries = []
    for k, (theme, threshold) in enumerate(zip(trained.theme_ids, trained.thresholds, strict=True)):
        entry = {
            "id": theme,
            "name": theme_names.get(theme, theme),
            "threshold": _rounded(threshold),
            "possible_threshold": _rounded(trained.possible_thresholds[k]),
            "assigned": bool(abs(threshold) != float("inf")),
        }
        if detail is not None:
            entry["out_of_fold_precision"] = _rounded(detail.precision[k])
            entry["out_of_fold_recall"] = _rounded(detail.recall[k])
        entries.append(entry)
    return entries


def _thresholds_note(trained: TrainedThemeModel) -> str:
    detail = trained.threshold_detail
    if detail is None:
        return "tuned per theme on out-of-fold probabilities of the training rows"
    return (
        f"per theme on out-of-fold probabilities of the training rows: assigned where {detail.source}, "
        f"otherwise only possible (from the best-F1 threshold); each theme's thresholds blended with the "
        f"shared ones as if it had {detail.shrinkage:g} more positive rows (chosen by cross-fitting)"
    )


def build_theme_card(
    params: Params,
    trained: TrainedThemeModel,
    holdout_metrics: Mapping[str, Any],
    theme_names: Mapping[str, str],
    label_source: Mapping[str, Any],
    data_summary: Mapping[str, Any],
    versions: Mapping[str, str],
    commit: str,
    created_utc: str,
    benchmarks: Mapping[str, Any] | None = None,
    taxonomy: Taxonomy | None = None,
) -> dict[str, Any]:
    """The theme model's card: themes, thresholds, where the labels came from, the themes file, metrics and limits."""
    possible_only = [
        theme
        for theme, threshold in zip(trained.theme_ids, trained.thresholds, strict=True)
        if abs(threshold) == float("inf")
    ]
    weak = [
        theme
        for theme, scores in holdout_metrics["per_theme"].items()
        if scores["support"] and scores["f1"] < 0.4 and theme not in possible_only
    ]
    rare = [theme for theme, scores in holdout_metrics["per_theme"].items() if scores["support"] < 10]
    weaknesses = [f"Low holdout F1 (< 0.4): {', '.join(weak)}."] if weak else []
    if rare:
        weaknesses.append(f"Fewer than 10 holdout examples, so uncertain figures: {', '.join(rare)}.")
    if possible_only:
        weaknesses.append(
            "Never assigned, only shown as possible (training could not promise their precision): "
            f"{', '.join(possible_only)}."
        )
    if label_source.get("labels") == "patterns":
        weaknesses.append(
            "Trained on weak labels from seed patterns: its metrics measure agreement with the "
            "patterns, not with a person's judgement."
        )
    return {
        "model": params.themes.registered_model,
        "task": "complaint themes (multi-label)",
        "created_utc": created_utc,
        "intended_use": THEMES_INTENDED_USE,
        "themes": _theme_entries(trained, theme_names),
        "labels": dict(label_source),
        "input_columns": list(trained.input_columns),
        # The themes file travels with the model: scoring names themes and matches their seed patterns
        # without looking for themes.yaml in whatever folder it runs from.
        "taxonomy": taxonomy_to_dict(taxonomy) if taxonomy is not None else None,
        "training": {
            "chosen_C": trained.chosen_C,
            "chosen_class_weight": trained.chosen_class_weight,
            "cv_folds": trained.cv_folds,
            "cv_search": trained.cv_search,
            "thresholds": _thresholds_note(trained),
        },
        "data": dict(data_summary),
        "metrics": {"holdout": dict(holdout_metrics), "cross_validation": trained.cv_metrics},
        "known_weaknesses": weaknesses,
        "benchmarks": benchmark_summary(benchmarks),
        "params": params.as_dict(),
        "versions": dict(versions),
        "git_commit": commit,
    }


def benchmark_summary(results: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Per public task: this pipeline's figures beside the best reference's, from a benchmark run."""
    if not results:
        return []
    summary = []
    for task in results.get("tasks", {}).values():
        if "models" not in task:
            continue
        headline = "micro_f1" if "micro_f1" in task["models"][0] else "accuracy"
        ours = next(row for row in task["models"] if row["model"] == "this pipeline")
        references = [row for row in task["models"] if not row["model"].startswith("this pipeline")]
        best = max(references, key=lambda row: row["macro_f1"]) if references else None
        summary.append(
            {
                "task": f"{task['dataset']}: {task['task']}",
                "weak_labels": bool(task.get("weak_labels")),
                "measure": headline,
                "this_pipeline": {headline: ours[headline], "macro_f1": ours["macro_f1"], "ece": ours.get("ece")},
                "best_reference": None
                if best is None
                else {"model": best["model"], headline: best[headline], "macro_f1": best["macro_f1"]},
                "run": f"{results.get('mode', '')} run, {results.get('started', '')}",
            }
        )
    return summary


def _percent(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{value:.0%}"


def plain_text(card: Mapping[str, Any]) -> str:
    """The card in plain words (Markdown), for a council's data protection officer or a service lead."""
    holdout = card["metrics"]["holdout"]
    data = card.get("data", {})
    is_category = "labels" in card and isinstance(card["labels"], list)
    lines = [
        f"# Model card: {card['model']}",
        "",
        f"Created {card['created_utc']} from code version {card.get('git_commit') or 'unknown'}.",
        "",
        "## What it does",
        card["intended_use"],
        "",
        "## What it learned from",
        f"{data.get('rows_train', data.get('rows_valid', 'An unknown number of'))} complaints from the file "
        f"{data.get('file', '(unnamed)')} (SHA-256 {str(data.get('file_sha256', ''))[:12]}...). "
        f"Tested on {data.get('holdout', 'a held-out part of the data')}, which it did not learn from.",
    ]
    if is_category:
        lines += ["", f"It chooses between {len(card['labels'])} categories: {', '.join(card['labels'])}."]
    else:
        names = ", ".join(theme["name"] for theme in card.get("themes", []))
        lines += ["", f"It suggests any of {len(card.get('themes', []))} themes: {names}."]
    lines += ["", "## How well it works"]
    if is_category:
        lines.append(
            f"On the held-out complaints its first suggestion matched the recorded category "
            f"{_percent(holdout['accuracy'])} of the time; the right category was among its three suggestions "
            f"{_percent(holdout.get('top_3_accuracy'))} of the time. When it was at least "
            f"{card['thresholds']['suggestion_threshold']:.0%} sure ({_percent(holdout['coverage'])} of complaints), "
            f"it was right {_percent(holdout['selective_accuracy'])} of the time; the rest are marked "
            f"'needs review'. Its stated confidence is off by {holdout['ece']:.2f} on average (0 is perfect)."
        )
    else:
        lines.append(
            f"On the held-out complaints, micro-F1 {holdout['micro_f1']:.2f} and macro-F1 {holdout['macro_f1']:.2f} "
            "(1.0 would mean every theme found and none wrongly)."
        )
        themes = card.get("themes", [])
        if any("assigned" in theme for theme in themes):
            assigned = sum(bool(theme["assigned"]) for theme in themes)
            lines.append(
                f"It assigns {assigned} of its {len(themes)} themes; the others were not right often enough in "
                "training to be assigned, and are listed apart as 'possible' for a person to confirm."
            )
    if card.get("benchmarks"):
        lines += [
            "",
            f"The same code trained on public complaint and feedback data (not this council's; "
            f"{card['benchmarks'][0]['run']}):",
            "",
            "| public data | this pipeline | best simple reference |",
            "|---|---|---|",
        ]
        for row in card["benchmarks"]:
            measure = {"accuracy": "accuracy", "micro_f1": "micro-F1"}[row["measure"]]
            ours, best = row["this_pipeline"], row["best_reference"] or {}
            lines.append(
                f"| {row['task']} | {measure} {ours[row['measure']]:.2f}, macro-F1 {ours['macro_f1']:.2f} | "
                f"{measure} {best.get(row['measure'], float('nan')):.2f}, macro-F1 {best.get('macro_f1', float('nan')):.2f} |"
            )
    lines += ["", "## Where it is weak"]
    lines += [f"- {note}" for note in card.get("known_weaknesses", [])] or ["- None recorded."]
    lines += [
        "",
        "## Personal data",
        "Identifiers (emails, phone numbers, postcodes, dates, case numbers, titled names and, when switched on, "
        "other names) are replaced by placeholders before the model sees a text, so its vocabulary holds none of "
        "them. The model file holds word and letter-sequence weights, not complaint texts. Complaint texts are "
        "never logged. Anyone who can load the model file can run code inside it: keep it where complaint data "
        "is kept, and check its SHA-256 against this card.",
        "",
        "## Not for",
        "Deciding anything about a person; complaints from another service, council or period without retraining "
        "and checking; replacing the complaints officer's judgement.",
    ]
    return "\n".join(lines) + "\n"
