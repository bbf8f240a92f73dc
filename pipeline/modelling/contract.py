"""What every caller of a trained model receives: the estimator with its own contract.

A :class:`LoadedModel` knows the input columns it takes, its labels (categories or theme ids), the
thresholds chosen in training and its card, so nobody patches configuration to pass them along. A
freshly trained model (:class:`pipeline.modelling.train.TrainedCategoryModel`) offers the same
``predict_proba``, ``labels`` and thresholds, so evaluation and comparison take either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pipeline.data.taxonomy import Taxonomy, taxonomy_from_dict
from pipeline.errors import ModelContractError
from pipeline.modelling.features import TEXT_COLUMN, model_inputs

CATEGORY, THEMES = "category", "themes"


class CategoryPredictor(Protocol):
    """Anything that suggests categories: a loaded model or one just trained."""

    @property
    def labels(self) -> tuple[str, ...]: ...

    @property
    def suggestion_threshold(self) -> float: ...

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray: ...


@dataclass(frozen=True)
class LoadedModel:
    """A fitted model as loaded from a folder or the registry, with its card and a version label.

    ``version`` is stamped on every scored row (e.g. ``complaints-category v3 (champion)``).
    """

    estimator: Any
    card: Mapping[str, Any]
    version: str
    _theme_thresholds: np.ndarray | None = field(default=None, repr=False, compare=False)
    _possible_thresholds: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind == THEMES:
            # A theme whose threshold is null is never assigned, only shown as possible.
            thresholds = np.asarray(
                [np.inf if theme["threshold"] is None else float(theme["threshold"]) for theme in self.card["themes"]]
            )
            possible = np.asarray(
                [
                    float(theme.get("possible_threshold", threshold))
                    for theme, threshold in zip(self.card["themes"], thresholds, strict=True)
                ]
            )
            object.__setattr__(self, "_theme_thresholds", thresholds)
            object.__setattr__(self, "_possible_thresholds", possible)
        elif "labels" not in self.card:
            raise ModelContractError(f"{self.version}: its card names no labels; retrain it.")

    @property
    def kind(self) -> str:
        """``category`` (one label per complaint) or ``themes`` (any number)."""
        return THEMES if "themes" in self.card else CATEGORY

    @property
    def input_columns(self) -> tuple[str, ...]:
        """The columns the estimator reads (cards older than this field: the description only)."""
        return tuple(self.card.get("input_columns") or (TEXT_COLUMN,))

    @property
    def labels(self) -> tuple[str, ...]:
        """The categories, in the order of the probability columns; or the theme ids."""
        if self.kind == THEMES:
            return tuple(str(theme["id"]) for theme in self.card["themes"])
        return tuple(str(label) for label in self.estimator.classes_)

    @property
    def theme_names(self) -> dict[str, str]:
        """Theme id -> the name service leads read (the id where the card has no name)."""
        return {str(theme["id"]): str(theme.get("name") or theme["id"]) for theme in self.card.get("themes", [])}

    @property
    def suggestion_threshold(self) -> float:
        """The confidence below which a category suggestion needs review, as chosen in training."""
        found = (self.card.get("thresholds") or {}).get("suggestion_threshold")
        if found is None:
            raise ModelContractError(f"{self.version}: its card has no suggestion threshold; retrain it.")
        return float(found)

    @property
    def theme_thresholds(self) -> np.ndarray:
        """Per theme, the probability at which it is assigned."""
        if self._theme_thresholds is None:
            raise ModelContractError(f"{self.version} is a category model: it has no theme thresholds.")
        return self._theme_thresholds

    @property
    def possible_thresholds(self) -> np.ndarray:
        """Per theme, the probability from which it is shown as possible (cards before this: the threshold)."""
        if self._possible_thresholds is None:
            raise ModelContractError(f"{self.version} is a category model: it has no theme thresholds.")
        return self._possible_thresholds

    @property
    def taxonomy(self) -> Taxonomy | None:
        """The themes file the theme model was trained with (saved in its card), for pattern evidence."""
        raw = self.card.get("taxonomy")
        return taxonomy_from_dict(raw, f"{self.version} card") if raw else None

    def inputs(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The columns of ``frame`` this model reads, as it reads them."""
        return model_inputs(frame, self.input_columns)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probabilities (rows x labels) for the rows of ``frame``."""
        return self.estimator.predict_proba(self.inputs(frame))

    def assigned(self, probabilities: np.ndarray) -> np.ndarray:
        """Theme probabilities -> which themes are assigned (at or above each theme's threshold)."""
        return probabilities >= self.theme_thresholds[None, :]

    def possible(self, probabilities: np.ndarray) -> np.ndarray:
        """Theme probabilities -> which themes are possible but not assigned (shown apart)."""
        return (probabilities >= self.possible_thresholds[None, :]) & ~self.assigned(probabilities)
