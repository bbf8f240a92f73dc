"""Model lifecycle decisions: does a new model replace the champion?"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.data.prepare import Prepared


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
    metric: str,
    margin: float,
    new_score: float,
    new_tags: Mapping[str, str],
    champion: tuple[Any, str, Mapping[str, str]] | None,
    score_champion: Callable[[Any], float],
) -> PromotionDecision:
    """Score the champion (model, version, run tags) on the new holdout, if that is fair, and decide.

    ``score_champion(model)`` measures ``metric`` for a model on the new model's holdout.
    """
    if champion is None:
        return promotion_decision(metric, new_score, None, margin)
    model, version, tags = champion
    reason = unfair_comparison(tags, new_tags)
    if reason:
        return PromotionDecision(False, f"champion v{version} kept: it cannot be compared fairly ({reason})")
    return promotion_decision(metric, new_score, score_champion(model), margin, version)
