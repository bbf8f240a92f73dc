"""Validated complaint rows -> the report's records: one label vocabulary, outcomes and teams
normalised, duplicates set aside, and every row either kept or listed with the reason it was not.

Which labels the tables use is chosen here, once: the recorded ones, the model's, or the recorded
ones with the model's beside them (``both``), so that no later step needs to know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from pipeline.config import OUTCOMES, LabelsConfig, ReportConfig
from pipeline.data.schema import SOURCE_ROW, build_label_lookup, normalise_label, one_spelling, set_aside
from pipeline.errors import ReportError

UPHELD, PARTIAL, NOT_UPHELD, NO_FINDING, WITHDRAWN = OUTCOMES
DECIDED = (UPHELD, PARTIAL, NOT_UPHELD, NO_FINDING)  # the seed's outcome columns
OPEN, OTHER_OUTCOME = "Open (no outcome yet)", "Other outcome"
OUTCOME_ORDER = (*DECIDED, WITHDRAWN, OPEN, OTHER_OUTCOME)
NOT_RECORDED = "Not recorded"
NO_PREDICTION = "No prediction (no text)"
YEAR = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")


@dataclass(frozen=True)
class ReportRecords:
    """The rows the report counts (all years in the file) and the rows it set aside, with reasons."""

    frame: pd.DataFrame
    excluded: pd.DataFrame  # source_row, complaint_ref, reason_code, reason
    label_source: str  # recorded | predicted | both
    unrecognised_outcomes: Mapping[str, int]
    unmapped: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # Validated.unmapped of the file
    themes_source: str = "recorded"  # predicted with labels "predicted", or "both" on a file with no theme labels

    @property
    def years(self) -> list[str]:
        return sorted(self.frame["financial_year"].dropna().unique().tolist())

    @property
    def theme_ids(self) -> set[str]:
        """Every theme id the counted records carry."""
        return {theme for ids in self.frame["theme_ids"] for theme in ids}


def parse_year(text: str) -> str | None:
    """'2013/14', '2013-14' or '2013/2014' -> '2013/14' (April 2013 to March 2014); None if not a year."""
    match = YEAR.match(text.strip())
    if not match or int(match.group(2)[-2:]) != (int(match.group(1)) + 1) % 100:
        return None
    return f"{match.group(1)}/{match.group(2)[-2:]}"


def year_label(text: str) -> str:
    """:func:`parse_year`, for a year given by the user: a wrong one is an error that says how to write it."""
    label = parse_year(text)
    if label is None:
        raise ReportError(f"'{text}' is not a financial year: write it as 2013/14 (April 2013 to March 2014).")
    return label


def _outcomes(recorded: pd.Series, aliases: Mapping[str, str]) -> tuple[pd.Series, dict[str, int]]:
    # Alias targets are checked when the params are read, so every alias lands on a known outcome.
    lookup = {name.casefold(): name for name in OUTCOMES}
    lookup |= {alias.casefold(): lookup[target.casefold()] for alias, target in aliases.items()}
    text = recorded.astype("string").str.strip()
    mapped = text.str.casefold().map(lookup).astype("string")
    unknown = text.notna() & mapped.isna()
    outcome = mapped.fillna(OTHER_OUTCOME).where(text.notna(), OPEN)
    return outcome.astype("string"), {str(k): int(v) for k, v in text[unknown].value_counts().items()}


def _as_flag(values: pd.Series) -> pd.Series:
    """True/False as scoring wrote them, also after a trip through CSV ("True", "false", 1)."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    return values.astype("string").str.strip().str.lower().isin(["true", "1", "yes"]).fillna(False).astype(bool)


def _theme_ids(themes: pd.Series, separator: str) -> pd.Series:
    def split(value: object) -> tuple[str, ...]:
        if value is None or value is pd.NA or value != value:
            return ()
        return tuple(dict.fromkeys(part.strip() for part in str(value).split(separator) if part.strip()))

    return themes.map(split).astype(object)


def report_records(
    frame: pd.DataFrame,
    labels: LabelsConfig,
    config: ReportConfig,
    *,
    theme_separator: str = ";",
    predictions: pd.DataFrame | None = None,
    unmapped: Mapping[str, Mapping[str, int]] | None = None,
) -> ReportRecords:
    """Normalise validated rows for the report; ``predictions`` (from scoring, row for row) when used;
    ``unmapped``: the values validation could not map (:attr:`Validated.unmapped`), for the notes."""
    source = config.labels
    if source != "recorded" and predictions is None:
        raise ReportError(f"report.labels is '{source}', which needs the model's predictions: score the file first.")
    if predictions is not None and len(predictions) != len(frame):
        raise ReportError("The predictions do not line up with the complaints (different numbers of rows).")
    records = frame.reset_index(drop=True).copy()
    excluded = []

    recorded_year = records["financial_year"].astype("string").str.strip()
    records["financial_year"] = recorded_year.map(parse_year, na_action="ignore").astype("string")
    no_year = records["financial_year"].isna()
    reason = ("financial year '" + recorded_year.fillna("") + "' is not a year such as 2013/14").where(
        recorded_year.notna(), "no financial year: date_received is empty or not a date"
    )
    excluded.append(set_aside(records, no_year, "no_year", reason))

    team = records["team"].astype("string").str.strip().replace(dict(config.team_aliases))
    records["team"] = one_spelling(team).fillna(NOT_RECORDED)

    lookup = build_label_lookup(labels)
    recorded = records["category"].astype("string").str.strip()
    normalised = recorded.map(lambda label: normalise_label(label, lookup)).astype("string")
    # A label the model does not use cannot spoil a report on the model's labels.
    unknown = recorded.notna() & normalised.isna() & ~no_year & (source != "predicted")
    excluded.append(
        set_aside(
            records,
            unknown,
            "unknown_category",
            "category '" + recorded.fillna("") + "' is not a known category or alias (add it to labels.aliases)",
        )
    )
    records["recorded_category"] = normalised.fillna(NOT_RECORDED)
    records["outcome"], unrecognised = _outcomes(records["outcome"], config.outcome_aliases)
    records["recorded_themes"] = _theme_ids(records["themes"], theme_separator)

    keep = ~no_year & ~unknown
    if config.drop_duplicates:
        # Among the rows kept: a copy of a row set aside for another reason is the one complaint left.
        text = records["description"].astype("string")
        candidates = keep & text.notna()
        key = pd.DataFrame({"t": text, "team": records["team"], "d": records["date_received"]})[candidates]
        repeated = key.duplicated(keep="first").reindex(records.index, fill_value=False)
        first_row = records.loc[candidates, SOURCE_ROW].groupby([key["t"], key["team"], key["d"]], dropna=False)
        first_row = first_row.transform("first").reindex(records.index).astype("Int64").astype("string")
        reason = "logged twice: the same text, team and date received as row " + first_row
        excluded.append(set_aside(records, repeated, "duplicate", reason))
        keep &= ~repeated

    if predictions is not None:
        predictions = predictions.reset_index(drop=True)
        records["predicted_category"] = predictions["predicted_category"].astype("string").fillna(NO_PREDICTION)
        records["confidence"] = pd.to_numeric(predictions["probability"], errors="coerce")
        records["needs_review"] = _as_flag(predictions["needs_review"])
        has_themes = "themes" in predictions.columns
        records["predicted_themes"] = (
            _theme_ids(predictions["themes"], ";") if has_themes else pd.Series([()] * len(records), dtype=object)
        )
    use_predicted = source == "predicted"
    # A file with no theme labels at all (many councils record none): "both" shows the model's themes.
    no_recorded_themes = not records.loc[keep, "recorded_themes"].map(len).any()
    themes_source = "predicted" if use_predicted or (source == "both" and no_recorded_themes) else "recorded"
    records["category"] = records["predicted_category" if use_predicted else "recorded_category"]
    records["theme_ids"] = records[f"{themes_source}_themes"]
    kept = records[keep].drop(columns=["themes"]).reset_index(drop=True)
    set_aside_rows = pd.concat(excluded, ignore_index=True).sort_values(SOURCE_ROW, ignore_index=True)
    unmapped = dict(unmapped or {})
    if unknown.any():  # validation for scoring keeps categories as written: the spellings are named here
        unmapped["category"] = {str(k): int(v) for k, v in recorded[unknown].value_counts().items()}
    return ReportRecords(kept, set_aside_rows, source, unrecognised, unmapped, themes_source)
