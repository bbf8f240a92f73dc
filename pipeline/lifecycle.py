"""Model lifecycle decisions: does a new model replace the champion?"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str


def promotion_decision(
    metric: str, new_score: float, champion_score: float | None, margin: float, champion_version: str | None = None
) -> PromotionDecision:
    """Promote when there is no champion, or the new model beats it on the same holdout by more than ``margin``."""
    if champion_score is None:
        return PromotionDecision(True, "no champion yet: the first model becomes champion")
    gain = new_score - champion_score
    versus = f"{metric} {new_score:.4f} vs champion v{champion_version} {champion_score:.4f} on the same holdout"
    if gain > margin:
        return PromotionDecision(True, f"better by {gain:+.4f} (> margin {margin}): {versus}")
    return PromotionDecision(False, f"not better by more than {margin} ({gain:+.4f}): {versus}")
