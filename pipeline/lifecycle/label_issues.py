"""Records whose recorded category is probably wrong, found by confident learning.

Every record is scored by a model that never saw it (out-of-fold probabilities from the same
cross-validation training uses). For each category the model's average probability on records
recorded with it is that category's confidence bar. A record is flagged when some *other* category
clears its bar and is the most probable of those that do: the off-diagonal of the "confident
joint" (Northcutt, Jiang and Chuang, 2021, *Confident learning*; cleanlab's ``confident_learning``
filter). Flags are ranked by how much more probable the suggested category is than the recorded one.

A flag is a prompt to re-read the complaint, never a correction: the analyst decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Params
from pipeline.data.schema import DataContractError
from pipeline.modelling.train import Progress, search_categories
from pipeline.privacy import Redactor

NAME_SPELLINGS_NEEDED = 3  # a capitalised word is kept only if 3+ records write it in lower case
ISSUE_COLUMNS = [
    "complaint_ref",
    "source_row",
    "financial_year",
    "team",
    "recorded_category",
    "suggested_category",
    "confidence",
    "recorded_category_probability",
    "margin",
    "redacted_text",
]


@dataclass(frozen=True)
class LabelIssues:
    issues: pd.DataFrame  # ISSUE_COLUMNS, most likely wrong first
    set_aside: pd.DataFrame  # source_row, complaint_ref, reason_code, reason: records not checked
    thresholds: dict[str, float]  # each category's confidence bar
    rows_checked: int


def confident_issues(
    labels: Sequence[str], probabilities: np.ndarray, classes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flagged, suggested class index, per-class thresholds) from out-of-fold probabilities.

    ``probabilities`` is rows x ``classes``; every label must be one of ``classes``.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    given = np.array([list(classes).index(label) for label in labels])
    thresholds = np.array(
        [probabilities[given == k, k].mean() if (given == k).any() else 1.0 for k in range(len(classes))]
    )
    above = probabilities >= thresholds[None, :]
    # The most probable class among those that clear their bar; -1 where none does.
    masked = np.where(above, probabilities, -np.inf)
    suggested = np.where(above.any(axis=1), masked.argmax(axis=1), -1)
    flagged = (suggested >= 0) & (suggested != given)
    return flagged, suggested, thresholds


def find_label_issues(frame: pd.DataFrame, params: Params, progress: Progress | None = None) -> LabelIssues:
    """Check every validated record with a category; records of categories too small to cross-validate
    are set aside with the reason. ``frame`` is not changed."""
    counts = frame["category"].value_counts()
    too_small = counts[counts < params.evaluate.cv_folds].index
    small = frame["category"].isin(too_small)
    set_aside = pd.DataFrame(
        {
            "source_row": frame.loc[small, "source_row"],
            "complaint_ref": frame.loc[small, "complaint_ref"],
            "reason_code": "category_too_small",
            "reason": [
                f"category '{label}' has only {counts[label]} records (fewer than evaluate.cv_folds = "
                f"{params.evaluate.cv_folds}), too few to check"
                for label in frame.loc[small, "category"]
            ],
        }
    )
    checked = frame.loc[~small].reset_index(drop=True)
    if checked["category"].nunique() == 1:
        raise DataContractError(
            f"Only one category ('{checked['category'].iloc[0]}') has enough records to check; confident learning "
            "needs at least two. Check the category column, or add more years of records."
        )
    if checked.empty:
        raise DataContractError(
            f"No category has at least {params.evaluate.cv_folds} records, so none can be checked by "
            "cross-validation. Add more years of records, or lower evaluate.cv_folds in the params file."
        )
    searched = search_categories(checked, params, progress)
    probabilities = searched.out_of_fold[searched.chosen]
    flagged, suggested, thresholds = confident_issues(searched.labels, probabilities, searched.classes)
    rows = np.flatnonzero(flagged)
    classes = np.asarray(searched.classes, dtype=object)
    given = np.array([searched.classes.index(label) for label in searched.labels])
    suggested_probability = probabilities[rows, suggested[rows]]
    recorded_probability = probabilities[rows, given[rows]]
    redactor = Redactor(params.privacy.case_ref_patterns)
    issues = pd.DataFrame(
        {
            "complaint_ref": checked["complaint_ref"].to_numpy()[rows],
            "source_row": checked["source_row"].to_numpy()[rows],
            "financial_year": checked["financial_year"].to_numpy()[rows],
            "team": checked["team"].to_numpy()[rows],
            "recorded_category": classes[given[rows]],
            "suggested_category": classes[suggested[rows]],
            "confidence": suggested_probability.round(3),
            "recorded_category_probability": recorded_probability.round(3),
            "margin": (suggested_probability - recorded_probability).round(3),
            "redacted_text": [redactor.redact(str(text)) for text in checked["description"].to_numpy()[rows]],
        },
        columns=ISSUE_COLUMNS,
    )
    issues = issues.sort_values("margin", ascending=False, kind="stable").reset_index(drop=True)
    return LabelIssues(
        issues=issues,
        set_aside=set_aside.reset_index(drop=True),
        thresholds={str(label): round(float(bar), 4) for label, bar in zip(searched.classes, thresholds, strict=True)},
        rows_checked=len(checked),
    )
