"""``complaints check``: a dry run of train, score and report on one export, without training anything.

It says how many rows would be used and why the others would not (row by row), the labels per year,
the categories too small to learn, where theme labels would come from, and which report sections would
be empty and why. A problem (something that would stop a command) names its fix; a warning is something
that would run but quietly lose information unless the config is changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pandas as pd

from pipeline.config import Params
from pipeline.data.prepare import Prepared, prepare, prepare_themes
from pipeline.data.schema import SOURCE_ROW, Validated, unmapped_warnings, validate, validate_for_training
from pipeline.data.taxonomy import Taxonomy, ThemeMatcher
from pipeline.errors import DataContractError
from pipeline.report.records import NOT_RECORDED, OPEN, ReportRecords, report_records

Level = Literal["problem", "warning", "ok"]


@dataclass(frozen=True)
class Finding:
    level: Level
    topic: str  # train, themes, score, report, or a column
    message: str


@dataclass(frozen=True)
class CheckResult:
    """What would happen to an export: rows, labels, themes, report sections, and what to fix."""

    rows_in: int
    rows_for_training: int
    rows_to_score: int
    set_aside: pd.DataFrame  # source_row, complaint_ref, reason_code, reason (training and report)
    labels_by_year: pd.DataFrame  # category x financial year, rows that would be trained on or held out
    too_small: Mapping[str, int]
    themes_from: str
    themes_learnable: Mapping[str, int]  # theme id -> labelled training rows (those that would be learned)
    report_sections: Mapping[str, str]  # section -> "" (it has data) or why it would be empty
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def runs(self) -> bool:
        """True when train, score and report would all run."""
        return not any(finding.level == "problem" for finding in self.findings)


def _training(
    raw: pd.DataFrame, params: Params, today: date | None
) -> tuple[Validated | None, Prepared | None, list[Finding]]:
    findings: list[Finding] = []
    try:
        validated = validate_for_training(raw, params, today)
    except DataContractError as error:
        return None, None, [Finding("problem", "train", str(error))]
    findings += [Finding("warning", "values", line) for line in validated.warnings()]
    try:
        prepared = prepare(validated.frame, params.prepare, min_train_rows=params.train.calibration_folds)
    except DataContractError as error:
        return (
            validated,
            None,
            [*findings, Finding("problem", "train", validated.too_few_rows(error, params.labels.categories))],
        )
    return validated, prepared, findings


def _themes(prepared: Prepared, params: Params, taxonomy: Taxonomy | None) -> tuple[dict[str, int], list[Finding]]:
    if not params.themes.enabled:
        return {}, [Finding("ok", "themes", "Themes are off (themes.enabled: false).")]
    matcher = ThemeMatcher(taxonomy) if taxonomy is not None and params.themes.labels == "patterns" else None
    try:
        data = prepare_themes(prepared, params.themes, matcher)
    except DataContractError as error:
        return {}, [Finding("problem", "themes", str(error))]
    learnable = {theme: int(data.train_targets[:, k].sum()) for k, theme in enumerate(data.theme_ids)}
    findings = []
    if data.too_rare:
        rare = ", ".join(f"{theme} ({n})" for theme, n in data.too_rare.items())
        findings.append(Finding("warning", "themes", f"Themes with too few training rows to learn: {rare}."))
    return learnable, findings


def _report_sections(records: ReportRecords, params: Params) -> dict[str, str]:
    """Each report section that needs data, and why it would be empty ("" when it would have data)."""
    frame, config = records.frame, params.report
    columns = params.data.columns
    years = records.years

    def needs(*ours: str) -> str:
        absent = [name for name in ours if name not in columns]
        return f"no {', '.join(absent)} column in data.columns" if absent else ""

    timed = frame["stage"].notna() & frame["date_received"].notna() & frame["date_responded"].notna()
    sections = {
        "Complaints by category": needs("category")
        or ("" if (frame["recorded_category"] != NOT_RECORDED).any() else "no row has a recognised category"),
        "Outcomes by team": needs("outcome", "team")
        or ("" if (frame["outcome"] != OPEN).any() else "no row has an outcome"),
        "Responding in time": needs("stage", "date_received", "date_responded")
        or ("" if timed.any() else "no row has a recognised stage, a date received and a date responded"),
        "Themes": ""
        if any(frame["theme_ids"].map(len)) or config.labels != "recorded"
        else "no theme labels are recorded: set report.labels: both to show the trained model's themes",
        "Compared with the year before": ""
        if len(years) >= 2
        else f"the file holds one financial year ({', '.join(years) or 'none'})",
        "Recurring issues": "" if frame["description"].notna().any() else "no complaint text",
        "Before and after a change": ""
        if config.change_date
        else "not asked for: set report.change_date (and change_label) to compare response times around a change",
        "Reconciliation with published tables": ""
        if config.published_file
        else "not asked for: set report.published_file to reconcile with your published tables",
    }
    return sections


def _labels_by_year(prepared: Prepared | None) -> pd.DataFrame:
    if prepared is None:
        return pd.DataFrame()
    rows = pd.concat([prepared.train, prepared.holdout], ignore_index=True)
    if rows.empty:
        return pd.DataFrame()
    return pd.crosstab(
        rows["category"].fillna(NOT_RECORDED),
        rows["financial_year"].fillna("no year"),
        margins=True,
        margins_name="all",
    )


def _once(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Each message once: a missing column stops training and scoring with the same words."""
    seen: set[str] = set()
    kept = []
    for finding in findings:
        if finding.message not in seen:
            seen.add(finding.message)
            kept.append(finding)
    return tuple(kept)


def check_export(
    raw: pd.DataFrame, params: Params, taxonomy: Taxonomy | None, today: date | None = None
) -> CheckResult:
    """Dry-run train, score and report on an export as read (``raw``: the file's own columns); ``today`` (the
    caller's clock) makes later dates typing errors."""
    validated, prepared, findings = _training(raw, params, today)
    themes_learnable: dict[str, int] = {}
    if prepared is not None:
        themes_learnable, theme_findings = _themes(prepared, params, taxonomy)
        findings += theme_findings
    try:
        for_report = validate(raw, params.data, params.labels, purpose="score", today=today)
    except DataContractError as error:
        return CheckResult(
            len(raw) + len(raw.attrs.get("unreadable", ())),
            0,
            0,
            pd.DataFrame(),
            pd.DataFrame(),
            {},
            params.themes.labels,
            {},
            {},
            _once((*findings, Finding("problem", "score", str(error)))),
        )
    # The recorded labels only: a dry run has no model to suggest any (report.labels is judged below).
    records = report_records(
        for_report.frame,
        params.labels,
        dataclasses.replace(params.report, labels="recorded"),
        theme_separator=params.themes.separator,
        unmapped=for_report.unmapped,
    )
    if records.unrecognised_outcomes:
        findings += [
            Finding("warning", "values", line) for line in unmapped_warnings({"outcome": records.unrecognised_outcomes})
        ]
    sections = _report_sections(records, params)
    set_aside = [records.excluded.assign(used_by="report")]
    if validated is not None:
        set_aside.append(validated.rejected.assign(used_by="train"))
    if prepared is not None:
        set_aside.append(prepared.excluded.assign(used_by="train"))
    too_small = {}
    if validated is not None and prepared is not None:
        rare = prepared.excluded.loc[prepared.excluded["reason_code"] == "rare_category", SOURCE_ROW]
        categories = validated.frame.set_index(SOURCE_ROW).loc[rare, "category"]
        too_small = {str(k): int(v) for k, v in categories.value_counts().items()}
        if too_small:
            listing = ", ".join(f"{k} ({v})" for k, v in too_small.items())
            findings.append(
                Finding(
                    "warning",
                    "train",
                    f"Categories too small to learn (fewer than "
                    f"{params.prepare.min_class_count} rows): {listing}. They are never suggested.",
                )
            )
    has_text = int(for_report.frame["description"].notna().sum())
    if has_text < len(for_report.frame):
        findings.append(
            Finding(
                "warning",
                "score",
                f"{len(for_report.frame) - has_text} rows have no complaint text: "
                "they would be scored as 'needs review'.",
            )
        )
    return CheckResult(
        rows_in=len(raw) + len(raw.attrs.get("unreadable", ())),
        rows_for_training=0 if prepared is None else len(prepared.train) + len(prepared.holdout),
        rows_to_score=len(for_report.frame),
        set_aside=pd.concat(set_aside, ignore_index=True).sort_values([SOURCE_ROW, "used_by"], ignore_index=True),
        labels_by_year=_labels_by_year(prepared),
        too_small=too_small,
        themes_from=params.themes.labels,
        themes_learnable=themes_learnable,
        report_sections=sections,
        findings=_once(findings),
    )
