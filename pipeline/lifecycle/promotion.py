"""The one promotion rule: does a new model replace the champion? (train and retrain both ask here)"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.config import Params
from pipeline.data.prepare import Prepared
from pipeline.lifecycle import tracking
from pipeline.lifecycle.retrain import compare_themes
from pipeline.lifecycle.tracking import Registered
from pipeline.modelling.evaluate import evaluate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str


def comparison_tags(prepared: Prepared, split: str, data_sha256: str) -> dict[str, str]:
    """What a later run needs to know to compare fairly with this model (stored as MLflow run tags)."""
    years = sorted(prepared.train["financial_year"].dropna().unique()) if split == "time" else []
    return {
        "split": split,
        "holdout": prepared.holdout_name,
        "training_years": ",".join(years),
        "data_sha256": data_sha256,
    }


def unfair_comparison(champion_tags: Mapping[str, str], new_tags: Mapping[str, str]) -> str | None:
    """Why the champion cannot be scored on the new holdout without bias, or None when it can.

    A champion that learned from rows now in the holdout would look better than it is.
    """
    if new_tags["split"] == "time":
        holdout_year = new_tags["holdout"].removeprefix("financial year ")
        trained_on = champion_tags.get("training_years")
        if trained_on is None:
            return "its run does not record the years it was trained on"
        if holdout_year in trained_on.split(","):
            return f"it was trained on {holdout_year}, the year now held out"
        return None
    same = all(champion_tags.get(key) == new_tags[key] for key in ("split", "holdout", "data_sha256"))
    return None if same else "it was not held out on the same stratified split of the same file"


def promotion_decision(
    metric: str, new_score: float, champion_score: float | None, margin: float, champion_version: str | None = None
) -> PromotionDecision:
    """Promote when there is no champion, or the new model beats it on the same holdout by more than ``margin``."""
    if champion_score is None:
        return PromotionDecision(True, "no champion yet: the first model becomes champion")
    if new_score != new_score or champion_score != champion_score:  # NaN: nothing to compare on
        return PromotionDecision(
            False, f"champion v{champion_version} kept: {metric} cannot be measured for both on this holdout"
        )
    gain = new_score - champion_score
    versus = f"{metric} {new_score:.4f} vs champion v{champion_version} {champion_score:.4f} on the same holdout"
    if gain > margin:
        return PromotionDecision(True, f"better by {gain:+.4f} (> margin {margin}): {versus}")
    return PromotionDecision(False, f"not better by more than {margin} ({gain:+.4f}): {versus}")


def decide_promotion(
    params: Params, head: str, result: Any, data_sha256: str, champion: Registered | None
) -> tuple[PromotionDecision, dict[str, str]]:
    """Should the new model of ``head`` ("category" or "themes", from ``result`` of
    :func:`pipeline.modelling.training_job.train_and_evaluate`) replace ``champion``?

    Both are judged on the new model's holdout, each at its own thresholds; themes on the themes both
    learned. A champion that learned from rows now held out is kept without comparison. Returns the
    decision and the run tags that keep later comparisons fair.
    """
    tracking, prepared = params.tracking, result.prepared
    metric, margin = tracking.promotion_metric, tracking.promotion_margin
    tags = comparison_tags(prepared, params.prepare.split, data_sha256)
    new_score = (
        result.category.evaluation.metrics[metric] if head == "category" else result.themes.holdout_metrics[metric]
    )
    if champion is None:
        return promotion_decision(metric, new_score, None, margin), tags
    unfair = unfair_comparison(champion.tags, tags)
    if unfair:
        return PromotionDecision(
            False, f"champion v{champion.version} kept: it cannot be compared fairly ({unfair})"
        ), tags
    if head == "category":
        champion_score = evaluate(champion.model, prepared.holdout, params.evaluate).metrics[metric]
    else:
        compared = compare_themes(
            result.themes.trained, champion.model, prepared.holdout, result.themes.data.holdout_targets
        )
        for line in compared.messages():
            log.warning(line)
        new_score, champion_score = compared.challenger[metric], compared.champion[metric]
    return promotion_decision(metric, new_score, champion_score, margin, champion.version), tags


def decide_each(
    params: Params, result: Any, saved: Mapping[str, Any], champions: Mapping[str, Registered | None]
) -> dict[str, tuple[PromotionDecision, dict[str, str]]]:
    """:func:`decide_promotion` for each saved model (head -> SavedModel) against its head's champion."""
    return {
        head: decide_promotion(params, head, result, model.card["data"]["file_sha256"], champions[head])
        for head, model in saved.items()
    }


def register(
    params: Params,
    head: str,
    result: Any,
    saved: Any,
    champion: Registered | None,
    decided: tuple[PromotionDecision, dict[str, str]],
    extra_tags: Mapping[str, str] | None = None,
) -> tuple[tracking.LoggedRun, PromotionDecision]:
    """Log one saved model's run (``saved``: a :class:`pipeline.lifecycle.saving.SavedModel`) and
    register it: ``champion`` if ``decided`` says it beat the champion fairly, else ``challenger``."""
    decision, split_tags = decided
    config = tracking.registry_config(params, head)
    trained = result.category.trained if head == "category" else result.themes.trained
    new_metrics = result.category.evaluation.metrics if head == "category" else result.themes.holdout_metrics
    scalar = {f"holdout_{k}": v for k, v in new_metrics.items() if isinstance(v, int | float)}
    scalar |= {f"cv_{k}": v for k, v in trained.cv_metrics.items() if isinstance(v, int | float)}
    # Rows not used stay local: they carry complaint references, which MLflow need not hold.
    kept = {
        name: path for name, path in saved.artefacts.items() if name not in ("model", "theme model", "rows not used")
    }
    card = saved.card
    tags = {"git_commit": card["git_commit"], "model_sha256": card["model_sha256"], "head": head, **split_tags}
    run = tracking.log_training_run(
        config, trained.model, params.as_dict(), scalar, kept, tags | dict(extra_tags or {})
    )
    alias = tracking.CHAMPION if decision.promote else tracking.CHALLENGER
    tracking.set_alias(config, run.model_version, alias, run.run_id, decision.reason)
    return run, decision


def register_trained(
    params: Params, head: str, result: Any, saved: Any
) -> tuple[tracking.LoggedRun, PromotionDecision]:
    """Decide whether a freshly trained model of ``head`` (``saved``: its SavedModel) beats the head's
    current champion, and :func:`register` it so; returns the run and the decision to report."""
    champion = tracking.load_champions(params)[head]
    decided = decide_promotion(params, head, result, saved.card["data"]["file_sha256"], champion)
    return register(params, head, result, saved, champion, decided)


def record_retrain(
    params: Params,
    result: Any,
    saved: Mapping[str, Any],
    champions: Mapping[str, Registered | None],
    decided: Mapping[str, tuple[PromotionDecision, dict[str, str]]],
    summary: Any,
    comparison: Sequence[Path],
    new_year: str,
) -> dict[str, tuple[tracking.LoggedRun, PromotionDecision]]:
    """Register each retrained model as :func:`register` does, linked to the comparison files, and log
    each champion's figures on the new year as a run of its own, linked both ways."""
    runs = {}
    for head, decision in decided.items():
        champion = champions.get(head)
        extra = {"new_year": new_year, "retrain_comparison": comparison[-1].name}
        if champion is not None:
            extra |= {"compared_with_version": champion.version, "compared_with_run_id": champion.run_id}
        files = {name: path for name, path in zip(("comparison", "comparison notes"), comparison, strict=False)}
        with_comparison = replace(saved[head], artefacts={**saved[head].artefacts, **files})
        run, _ = runs[head] = register(params, head, result, with_comparison, champion, decision, extra)
        if champion is None or head not in summary.champion_metrics:
            continue
        config = tracking.registry_config(params, head)
        metrics = summary.champion_metrics[head]
        evaluation_run = tracking.log_comparison_run(
            config,
            f"champion v{champion.version} on {new_year}",
            {f"holdout_{k}": v for k, v in metrics.items() if isinstance(v, int | float)},
            {
                "kind": "champion evaluation",
                "head": head,
                "evaluates_version": champion.version,
                "champion_run_id": champion.run_id,
                "challenger_run_id": run.run_id,
                "new_year": new_year,
            },
            comparison,
        )
        tracking.tag_run(config, run.run_id, {"champion_evaluation_run_id": evaluation_run})
    return runs
