"""Validated frame -> training and holdout rows (by year, by group or stratified), duplicates dropped first;
and the theme targets for those rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from pipeline.config import PrepareConfig, ThemesConfig
from pipeline.data.schema import SOURCE_ROW, DataContractError, set_aside, theme_matrix, theme_sets
from pipeline.data.taxonomy import ThemeMatcher


@dataclass(frozen=True)
class Prepared:
    train: pd.DataFrame
    holdout: pd.DataFrame
    excluded: pd.DataFrame  # source_row, complaint_ref, reason_code, reason
    holdout_name: str

    def summary(self) -> dict[str, object]:
        reasons = self.excluded["reason_code"].value_counts().to_dict() if len(self.excluded) else {}
        return {
            "rows_train": len(self.train),
            "rows_holdout": len(self.holdout),
            "holdout": self.holdout_name,
            "rows_excluded": len(self.excluded),
            "excluded_by_reason": {str(k): int(v) for k, v in reasons.items()},
        }


def _rare(frame: pd.DataFrame, minimum: int) -> pd.Series:
    """Rows whose category has fewer than ``minimum`` rows (rows without a category never count as rare)."""
    counts = frame["category"].map(frame["category"].value_counts())
    return (counts < minimum).fillna(False).astype(bool)


def prepare(frame: pd.DataFrame, config: PrepareConfig, min_train_rows: int = 2) -> Prepared:
    """Drop exact duplicates and rare categories, then split into training and holdout rows.

    ``min_train_rows`` is the fewest rows a category needs in the training part to be learned
    (calibration cross-validation needs one per fold); categories below it stay in the holdout,
    where they count as errors, and are listed as excluded from training.
    """
    excluded = []
    keep = pd.Series(True, index=frame.index)
    # Theme-only data (no category labels, e.g. patient feedback) skips the category checks.
    has_categories = bool(frame["category"].notna().any())
    if config.drop_duplicates:
        key = ["description", "category", "themes"]
        duplicate = frame.duplicated(subset=key, keep="first")
        first_row = frame.groupby(key, sort=False, dropna=False)[SOURCE_ROW].transform("first")
        excluded.append(
            set_aside(frame, duplicate, "duplicate", "same description and labels as row " + first_row.astype("string"))
        )
        keep &= ~duplicate
    rare = _rare(frame[keep], config.min_class_count if has_categories else 0).reindex(frame.index, fill_value=False)
    counts = frame.loc[keep, "category"].value_counts()
    excluded.append(
        set_aside(
            frame,
            rare,
            "rare_category",
            "category '"
            + frame["category"]
            + "' has fewer than "
            + str(config.min_class_count)
            + " rows ("
            + frame["category"].map(counts).astype("string")
            + ")",
        )
    )
    keep &= ~rare
    if config.split == "time":
        undated = frame["financial_year"].isna() & keep
        excluded.append(set_aside(frame, undated, "no_year", "no financial year or date, so it cannot be placed"))
        keep &= ~undated
    usable = frame[keep]
    categories = usable["category"].nunique()
    if has_categories and categories < 2:
        raise DataContractError(
            f"Training needs at least two categories with {config.min_class_count} or more rows each; "
            f"this data has {categories}. Add more labelled complaints, or lower prepare.min_class_count."
        )

    if config.split == "time":
        years = usable["financial_year"]
        if years.nunique() < 2:
            raise DataContractError(
                "A time-aware split needs at least two financial years of data; this file has "
                f"{years.nunique()}. Add earlier years, or set prepare.split to 'stratified'."
            )
        latest = sorted(years.unique())[-1]
        in_holdout = usable["financial_year"] == latest
        train, holdout, holdout_name = usable[~in_holdout], usable[in_holdout], f"financial year {latest}"
    elif config.split == "group":
        groups = usable["group"]
        if groups.isna().any():
            raise DataContractError(
                f"prepare.split is 'group' but {int(groups.isna().sum())} rows have no group "
                "(data.columns.group). Fill the column, or choose another split."
            )
        splitter = GroupShuffleSplit(n_splits=1, test_size=config.holdout_fraction, random_state=config.random_state)
        train_rows, holdout_rows = next(splitter.split(usable, groups=groups.astype(object)))
        train, holdout = usable.iloc[train_rows], usable.iloc[holdout_rows]
        holdout_name = (
            f"{config.holdout_fraction:.0%} of groups (GroupShuffleSplit, random_state {config.random_state})"
        )
    else:
        holdout_rows = int(round(config.holdout_fraction * len(usable)))
        if has_categories and (holdout_rows < categories or usable["category"].value_counts().min() < 2):
            raise DataContractError(
                f"A stratified holdout of {config.holdout_fraction:.0%} ({holdout_rows} rows) cannot hold every one of "
                f"the {categories} categories, each with at least two rows. Raise prepare.holdout_fraction or "
                "prepare.min_class_count (at least 2), or add data."
            )
        train, holdout = train_test_split(
            usable,
            test_size=config.holdout_fraction,
            random_state=config.random_state,
            stratify=usable["category"].astype(object) if has_categories else None,
        )
        holdout_name = f"stratified {config.holdout_fraction:.0%} sample (random_state {config.random_state})"

    too_few = _rare(train, min_train_rows if has_categories else 0)
    excluded.append(
        set_aside(
            train,
            too_few,
            "too_few_in_training",
            "category '" + train["category"] + f"' has fewer than {min_train_rows} rows in the training part",
        )
    )
    return Prepared(
        train=train[~too_few].reset_index(drop=True),
        holdout=holdout.reset_index(drop=True),
        excluded=pd.concat(excluded, ignore_index=True),
        holdout_name=holdout_name,
    )


@dataclass(frozen=True)
class ThemeData:
    """Theme targets (rows x themes, 0/1) for the training and holdout rows, and where they came from."""

    theme_ids: tuple[str, ...]
    train_targets: np.ndarray
    holdout_targets: np.ndarray
    too_rare: dict[str, int]  # theme -> training rows, for themes left out
    source: dict[str, object]


def prepare_themes(prepared: Prepared, themes: ThemesConfig, matcher: ThemeMatcher | None = None) -> ThemeData:
    """Theme labels for training: recorded ones (column or one-hot), or weak ones from seed patterns.

    With ``themes.labels == "patterns"`` the ``matcher`` labels every text, training and holdout
    alike, so holdout figures measure agreement with the patterns. Themes with fewer than
    ``themes.min_theme_count`` training rows are left out and listed.
    """
    if themes.labels == "patterns":
        if matcher is None:
            raise DataContractError("themes.labels is 'patterns' but no taxonomy was given to match.")
        train_sets = [frozenset(found) for found in matcher.label_matrix(prepared.train["description"])]
        holdout_sets = [frozenset(found) for found in matcher.label_matrix(prepared.holdout["description"])]
        candidates = list(matcher.taxonomy.ids)
    else:
        train_sets = theme_sets(prepared.train["themes"], themes.separator)
        holdout_sets = theme_sets(prepared.holdout["themes"], themes.separator)
        candidates = sorted(set().union(*train_sets, *holdout_sets))
    counts = {theme: sum(theme in row for row in train_sets) for theme in candidates}
    kept = tuple(theme for theme in candidates if counts[theme] >= themes.min_theme_count)
    if not kept:
        raise DataContractError(
            f"No theme has {themes.min_theme_count} or more labelled training rows (themes.min_theme_count). "
            "If your export records no themes, set themes.labels: patterns in the params file (the seed patterns "
            "of the themes file label the training texts); otherwise check data.columns.themes and "
            "themes.separator, or lower the minimum."
        )
    train_targets = theme_matrix(train_sets, kept)
    return ThemeData(
        theme_ids=kept,
        train_targets=train_targets,
        holdout_targets=theme_matrix(holdout_sets, kept),
        too_rare={theme: count for theme, count in counts.items() if theme not in kept},
        source={"labels": themes.labels, "training_rows_per_theme": {t: counts[t] for t in kept}},
    )
