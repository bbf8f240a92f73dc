"""The report stage: records + config -> every table, note and headline of the root-cause report.

Pure: it takes frames and settings and returns a :class:`Report`; rendering to HTML and XLSX is
:mod:`pipeline.report.render`, and files are written by the CLI through :mod:`pipeline.data.files`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from pipeline.config import ConfigError, LabelsConfig, Params, ReportConfig
from pipeline.data.schema import build_label_lookup, normalise_label, unmapped_warnings
from pipeline.data.taxonomy import Taxonomy
from pipeline.privacy import Redactor
from pipeline.report import tables
from pipeline.report.clusters import leading_issues, recurring_issues
from pipeline.report.records import DECIDED, NOT_RECORDED, ReportError, ReportRecords, report_records, year_label
from pipeline.report.timeliness import Timeliness, timeliness

LEADING_ISSUES = 3  # recurring issues on the first screen

EXCLUDED_REASONS = {  # read after a count: "3 duplicates (...)"
    "no_year": "with no financial year (date received empty or not a date)",
    "unknown_category": "with a category not recognised (add the spelling to labels.aliases)",
    "duplicate": "duplicates (the same complaint logged twice)",
}


@dataclass(frozen=True)
class Report:
    """Everything the report shows, as tables (the workbook's sheets) plus headlines and notes."""

    title: str
    year: str
    compare_to: str | None
    label_source: str
    labels_shown: str  # the label source in words, for the page's header
    complaints: int
    categories: pd.DataFrame
    team_outcomes: Mapping[str, pd.DataFrame]
    theme_team: pd.DataFrame
    upheld_by_theme: pd.DataFrame
    upheld_by_team: pd.DataFrame
    issues: pd.DataFrame
    trends: pd.DataFrame | None
    yearly_categories: pd.DataFrame
    yearly_themes: pd.DataFrame
    timeliness: Timeliness
    agreement: tables.Agreement | None
    headlines: Sequence[str]
    notes: Sequence[str]
    excluded: pd.DataFrame
    warnings: Sequence[str]  # values the report could not map (also among the notes), for the console
    settings: ReportConfig
    team_order: Sequence[str] = field(default_factory=tuple)
    # The recurring issues that matter most (rows of ``issues``), for the first screen.
    leading_issues: pd.DataFrame = field(default_factory=pd.DataFrame)
    records: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per complaint of the year, no free text


@dataclass(frozen=True)
class Suggestions:
    """The models' labels a report shows beside or instead of the recorded ones (row for row with the
    records), the versions of the models behind them, and the category model's suggestion threshold."""

    predictions: pd.DataFrame | None = None
    versions: Sequence[str] = ()
    threshold: float | None = None


def choose_years(counts: Mapping[str, int], year: str | None, compare_to: str | None) -> tuple[str, str | None]:
    """The year to report and the one to compare with (default the year before), from the complaints per
    year. By default the latest year, unless it holds too few complaints to be the year's file (under a
    quarter of the median year: a stray or mistyped row), in which case the latest year that does."""
    available = sorted(counts)
    if not available:
        raise ReportError("No complaint in the file has a financial year or a date received.")
    chosen = year_label(year) if year else default_year(counts)
    if chosen not in available:
        raise ReportError(f"The file has no complaints in {chosen}; it has {', '.join(available)}.")
    if compare_to and compare_to.lower() != "none":
        other = year_label(compare_to)
        if other >= chosen:
            raise ReportError(f"Compare {chosen} with an earlier year, not {other}.")
        if other not in available:
            raise ReportError(f"The file has no complaints in {other} to compare with; it has {', '.join(available)}.")
        return chosen, other
    if compare_to:  # "none"
        return chosen, None
    start = int(chosen[:4]) - 1
    previous = f"{start}/{(start + 1) % 100:02d}"
    return chosen, previous if previous in available else None


def default_year(counts: Mapping[str, int]) -> str:
    """The latest year holding at least a quarter of the median year's complaints."""
    enough = float(np.median(list(counts.values()))) / 4
    return max(year for year, count in counts.items() if count >= enough)


def _figure(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReportError(f"report.published_file: {where} is {value!r}; it must be a whole number of complaints.")
    return value


def check_published(published: Mapping[str, Any]) -> Mapping[str, Any]:
    """The published tables' shape: year, categories {label: n}, total n, team_outcomes {category: {team:
    [received, upheld, partially upheld, not upheld, no finding]}}; a clear error otherwise."""
    if not isinstance(published.get("categories", {}), Mapping) or not isinstance(
        published.get("team_outcomes", {}), Mapping
    ):
        raise ReportError("report.published_file: 'categories' and 'team_outcomes' must be mappings (label: value).")
    for label, figure in published.get("categories", {}).items():
        _figure(figure, f"categories: {label}")
    if "total" in published:
        _figure(published["total"], "total")
    for label, teams in published.get("team_outcomes", {}).items():
        if not isinstance(teams, Mapping):
            raise ReportError(f"report.published_file: team_outcomes: {label} must map each team to its figures.")
        for team, figures in teams.items():
            where = f"team_outcomes: {label}: {team}"
            if not isinstance(figures, list) or len(figures) != len(DECIDED) + 1:
                raise ReportError(
                    f"report.published_file: {where} must list 5 figures: received, upheld, partially upheld, "
                    "not upheld, no finding."
                )
            for figure in figures:
                _figure(figure, where)
    return published


def _reconcile(
    published: Mapping[str, Any] | None,
    year: str,
    categories: pd.DataFrame,
    year_rows: pd.DataFrame,
    lookup: Callable[[str], str],
) -> list[str]:
    """Differences between the published tables and the records' own, and the published tables' own sums."""
    if not published or str(published.get("year")) != year:
        return []
    source = published.get("source", "the published report")
    notes, mismatches, checked = [], [], 0
    counts = dict(zip(categories["Category"], categories[year], strict=True))
    for label, figure in (published.get("categories") or {}).items():
        category = lookup(label)
        checked += 1
        if counts.get(category, 0) != figure:
            mismatches.append(f"{label}: published {figure}, records {counts.get(category, 0)}")
    checked += "total" in published
    if "total" in published and counts.get(tables.TOTAL) != published["total"]:
        mismatches.append(f"total: published {published['total']}, records {counts.get(tables.TOTAL)}")
    for label, teams in (published.get("team_outcomes") or {}).items():
        table = tables.team_outcomes(year_rows, lookup(label), tables.outcome_columns(year_rows))
        for team, figures in teams.items():
            received, *by_outcome = figures
            if received != sum(by_outcome):
                notes.append(
                    f"{source}: in the {label} table, {team} is given {received} complaints received, but its "
                    f"outcome columns add up to {sum(by_outcome)} ({' + '.join(map(str, by_outcome))}). Record-level "
                    "data cannot hold such a row; this report counts each complaint once."
                )
            row = table[table[tables.TEAM] == team]
            ours = row.iloc[0, 1 : 2 + len(by_outcome)].astype(int).tolist() if len(row) else [0] * len(figures)
            checked += 1
            if ours != list(figures):
                mismatches.append(f"{label}, {team}: published {list(figures)}, records {ours}")
    if mismatches:
        notes.append(
            f"{source}: {checked - len(mismatches)} of its {checked} figures and rows match the records; "
            "differences: " + "; ".join(mismatches) + "."
        )
    else:
        notes.append(f"Every one of the {checked} figures and rows of {source} matches the records.")
    return notes


def plain_date(value: object) -> str:
    """A date or timestamp as a reader writes it: "3 December 2026" (a timestamp in UK time)."""
    text = str(value or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo("Europe/London"))
    return f"{moment.day} {moment:%B %Y}"


def how_often(lift: float) -> str:
    """A lift in words: "about 3 times as often as other teams", "only in this team"."""
    if np.isinf(lift):
        return "only in this team: none in other teams"
    if lift != lift or lift <= 1:
        return "no more often than in other teams"
    if lift < 1.5:
        return "a little more often than in other teams"
    if lift >= 10:
        return "more than 10 times as often as in other teams"
    return (
        f"about {lift:.0f} times as often as in other teams"
        if lift >= 2.5
        else "about twice as often as in other teams"
    )


def chance(q: float, fdr: float) -> str:
    """A corrected p-value in words."""
    return "unlikely to be chance" if q == q and q <= fdr else "could be chance"


def _headlines(
    year: str,
    compare_to: str | None,
    year_rows: pd.DataFrame,
    compare_rows: pd.DataFrame | None,
    theme_team: pd.DataFrame,
    trend: pd.DataFrame | None,
    timeliness: Timeliness,
    settings: ReportConfig,
) -> list[str]:
    """ "What keeps going wrong, where, and is it getting better?" in a few plain sentences; the exact
    figures (lifts, p-values) are in the tables."""
    lines = []
    total = len(year_rows)
    if compare_rows is not None and len(compare_rows):
        before = len(compare_rows)
        change = total - before
        moved = f"{abs(change)} {'more' if change > 0 else 'fewer'} than" if change else "the same as"
        lines.append(f"{total} complaints in {year}, {moved} in {compare_to} ({before}).")
    else:
        lines.append(f"{total} complaints in {year}.")
    top = year_rows["category"].value_counts().head(3)
    if settings.audience != "internal":  # a published headline never quotes a count the tables withhold
        top = top[top >= settings.min_cell]
    if len(top):
        lines.append("Commonest categories: " + ", ".join(f"{c} ({n})" for c, n in top.items()) + ".")
    flagged = theme_team[theme_team["Over-represented"] & ~theme_team["Small cell"]].sort_values("q").head(4)
    if len(flagged):
        lines.append(
            "Themes concentrated in one team, unlikely to be chance: "
            + "; ".join(
                f"{r.Theme} in {r.Team} ({r.Complaints} of its {r.Team_complaints} complaints, {how_often(r.Lift)})"
                for r in flagged.rename(columns={"Team complaints": "Team_complaints"}).itertuples()
            )
            + "."
        )
    elif len(theme_team):
        lines.append(
            f"No theme is concentrated in one team beyond what chance would give (cells of {settings.min_cell}+ "
            "complaints)."
        )
    if trend is not None:
        moving = trend[trend["Verdict"].isin(["rising", "falling"])].drop_duplicates(["Label", "Verdict"])
        new = trend[(trend["Verdict"] == "new") & (trend[year] >= settings.min_cell)].drop_duplicates(["Label"])
        if len(new):
            lines.append(
                f"New since {compare_to}: "
                + "; ".join(f"{label} ({n} complaints)" for label, n in zip(new["Label"], new[year], strict=True))
                + "."
            )
        if len(moving):
            lines.append(
                f"Changed since {compare_to}, unlikely to be chance: "
                + "; ".join(
                    f"{label} {'rose' if verdict == 'rising' else 'fell'} from {before:.0%} to {now:.0%} of complaints"
                    for label, verdict, before, now in zip(
                        moving["Label"],
                        moving["Verdict"],
                        moving[f"Share {compare_to}"],
                        moving[f"Share {year}"],
                        strict=True,
                    )
                )
                + "."
            )
        else:
            lines.append(
                f"No category or theme changed its share of complaints by more than chance since {compare_to}."
            )
    if timeliness.within_share == timeliness.within_share:
        lines.append(
            f"{timeliness.within_share:.0%} of {year}'s responses were on time (within the statutory timescale)."
        )
    change = timeliness.change
    if change is not None and change.before_n and change.after_n:
        verdict = "unlikely to be chance" if change.p_value <= settings.fdr else "could be chance"
        lines.append(
            f"Working days to respond: {change.before_mean:.0f} on average before {change.label} "
            f"({plain_date(change.date)}), {change.after_mean:.0f} after ({verdict})."
        )
    return lines


LABEL_SOURCES = ("recorded", "predicted", "both")


def report_settings(
    config: ReportConfig,
    year: str | None,
    compare_to: str | None,
    labels: str | None,
    scored_file: bool,
    audience: str | None = None,
) -> ReportConfig:
    """The report section of the params with the command line's choices applied and checked.

    A report on a file written by ``complaints score`` is a report on its suggestions: only
    ``predicted`` can be chosen for it.
    """
    chosen = labels or config.labels
    if audience not in (None, "public", "internal"):
        raise ConfigError(f"--audience is '{audience}'; choose public or internal.")
    if chosen not in LABEL_SOURCES:
        raise ConfigError(f"--labels is '{chosen}'; choose one of: {', '.join(LABEL_SOURCES)}.")
    if scored_file:
        if labels not in (None, "predicted"):
            raise ConfigError(
                "This is a scored file: a report on it shows the model's suggestions it holds. "
                "Use --labels predicted, or report on the records file (with --labels both to compare)."
            )
        chosen = "predicted"
    return replace(
        config,
        year=year or config.year,
        compare_to=compare_to or config.compare_to,
        labels=chosen,
        audience=audience or config.audience,
    )


def build_report(
    records: ReportRecords,
    config: ReportConfig,
    labels: LabelsConfig,
    *,
    theme_names: Mapping[str, str] | None = None,
    published: Mapping | None = None,
    model_versions: Sequence[str] = (),
    suggestion_threshold: float | None = None,
    redactor: Redactor | None = None,
) -> Report:
    """Build the report for ``config.year`` (default the latest year) against ``config.compare_to``.

    ``redactor`` takes identifiers out of the quoted sentences (default: built-in formats only);
    :func:`build_report_from_records` passes one built from ``privacy.case_ref_patterns``."""
    theme_names = dict(theme_names or {})
    counts = records.frame["financial_year"].value_counts().to_dict()
    year, compare_to = choose_years(counts, config.year, config.compare_to)
    frame = records.frame
    year_rows = frame[frame["financial_year"] == year]
    compare_rows = frame[frame["financial_year"] == compare_to] if compare_to else None

    order = tables.category_order(year_rows["category"].value_counts(), labels.categories)
    if compare_rows is not None:
        order += [c for c in compare_rows["category"].value_counts().index if c not in order]
    categories = tables.category_table(year_rows, compare_rows, year, compare_to, order)
    outcome_columns = tables.outcome_columns(year_rows)
    commonest = [c for c in year_rows["category"].value_counts().index if c != NOT_RECORDED][: config.top_categories]
    team_outcomes = {c: tables.team_outcomes(year_rows, c, outcome_columns) for c in commonest}
    theme_team = tables.theme_by_team(year_rows, theme_names, config.min_cell, config.fdr)
    upheld_by_theme, upheld_by_team = tables.upheld_rates(year_rows, theme_names, config.min_cell)
    issues = recurring_issues(frame, year, config, compare_to, theme_names, redactor)
    trend = tables.trends(frame, year, compare_to, theme_names, config.fdr) if compare_to else None
    shown_categories = [c for c in year_rows["category"].value_counts().index[:6]]
    shown_themes = tables.theme_pairs(year_rows)["theme"].value_counts().index[:6].tolist()
    yearly_categories = tables.yearly_counts(frame, year, shown_categories, "category")
    yearly_themes = tables.yearly_counts(frame, year, shown_themes, "theme").rename(index=theme_names)

    timed = timeliness(frame, year, config.timescales, config.change_date, config.change_label)
    agreement = tables.agreement(year_rows, theme_names) if records.label_source == "both" else None

    lookup = build_label_lookup(labels)
    notes = _notes(records, config, year, year_rows, timed, model_versions, suggestion_threshold)
    if records.label_source != "predicted":  # published tables hold recorded labels, not the model's
        notes += _reconcile(
            check_published(published) if published else None,
            year,
            categories,
            year_rows,
            lambda label: normalise_label(label, lookup) or label,
        )
    headlines = _headlines(year, compare_to, year_rows, compare_rows, theme_team, trend, timed, config)
    return Report(
        title=config.title,
        year=year,
        compare_to=compare_to,
        label_source=records.label_source,
        labels_shown=_labels_shown(records),
        complaints=len(year_rows),
        categories=categories,
        team_outcomes=team_outcomes,
        theme_team=theme_team,
        upheld_by_theme=upheld_by_theme,
        upheld_by_team=upheld_by_team,
        issues=issues,
        trends=trend,
        yearly_categories=yearly_categories,
        yearly_themes=yearly_themes,
        timeliness=timed,
        agreement=agreement,
        headlines=headlines,
        notes=notes,
        excluded=records.excluded,
        warnings=tuple(report_warnings(records)),
        settings=config,
        team_order=tuple(year_rows["team"].value_counts().index),
        leading_issues=leading_issues(issues, LEADING_ISSUES),
        records=tables.record_rows(year_rows, theme_names),
    )


def report_warnings(records: ReportRecords) -> list[str]:
    """Every value of the file the report could not map (stage, category, outcome, team, dates), named with
    its count and the fix: printed on the console and kept in the report's notes."""
    return unmapped_warnings({**records.unmapped, "outcome": records.unrecognised_outcomes})


def _labels_shown(records: ReportRecords) -> str:
    themes = "the model's suggested themes" if records.themes_source == "predicted" else "recorded themes"
    return {
        "recorded": "recorded categories and themes",
        "predicted": "the model's suggested categories and themes",
        "both": f"recorded categories, {themes}, and the model's suggestions beside them",
    }[records.label_source]


def _notes(
    records: ReportRecords,
    config: ReportConfig,
    year: str,
    year_rows: pd.DataFrame,
    timed: Timeliness,
    model_versions: Sequence[str],
    threshold: float | None,
) -> list[str]:
    """What a reader needs to trust the figures: label source, rows left out, model, privacy, methods."""
    notes = [
        {
            "recorded": "Categories and themes are those recorded by the complaints team.",
            "predicted": "Categories and themes are the model's suggestions, not recorded decisions.",
            "both": "Tables use the recorded categories and themes; the model's suggestions are compared with them "
            "in 'Recorded and suggested labels'. Where the model was trained on these complaints, agreement is "
            "optimistic.",
        }[records.label_source]
    ]
    if records.label_source == "both" and records.themes_source == "predicted":
        notes.append("The file records no themes, so the themes shown are the model's suggestions.")
    if records.themes_source == "predicted":
        notes.append(
            "Theme trends compare the model's suggestions between years. A model follows its training labels "
            "more closely on the years it was trained on than on later ones, so a theme that rises or falls "
            "into a year the model did not learn from may be the model, not the service: read its complaints "
            "before acting on the change."
        )
    excluded = records.excluded
    if len(excluded):
        reasons = excluded["reason_code"].value_counts()
        notes.append(
            f"{len(excluded)} rows of the file are not counted: "
            + "; ".join(f"{n} {EXCLUDED_REASONS.get(code, code)}" for code, n in reasons.items())
            + " (the workbook's 'Excluded rows' sheet lists each by row number)."
        )
    else:
        notes.append("Every row of the file is counted.")
    unread = report_warnings(records)
    if unread:
        notes.append("Some values of counted rows could not be read; each is named below with its fix.")
    notes += unread
    later = {y: n for y, n in records.frame["financial_year"].value_counts().items() if y > year}
    if later and config.year is None:
        notes.append(
            f"{year} is reported although the file has later years with too few complaints to be a year's file "
            f"({', '.join(f'{y}: {n}' for y, n in sorted(later.items()))}): check their dates, or choose the "
            "year with --year."
        )
    if "needs_review" in year_rows.columns:
        review = int(year_rows["needs_review"].sum())
        below = f" (confidence under {threshold:.2f}, short or unfamiliar text)" if threshold is not None else ""
        notes.append(f"{review} of {len(year_rows)} suggestions in {year} need review{below}.")
    if model_versions:
        notes.append("Model: " + ", ".join(model_versions) + ".")
    missing_days = len(year_rows) - timed.responded - timed.impossible
    if missing_days:
        notes.append(
            f"{missing_days} complaints of {year} have no response date yet (or no date received): "
            "they are not in the response-time tables."
        )
    if timed.impossible:
        notes.append(
            f"{timed.impossible} complaints of {year} have a response dated before the complaint arrived: "
            "the dates need correcting; they are left out of the response times."
        )
    notes.append(
        (
            f"Counts from 1 to {config.min_cell - 1} are shown as <{config.min_cell}, and another count of the same "
            "row or column is withheld ([c]) wherever a total would give the small one away; rates on fewer than "
            f"{config.min_cell} complaints are not shown. With so few complaints a reader could recognise the family. "
            if config.audience != "internal"
            else "INTERNAL: exact small counts; do not publish. "
        )
        + "Small counts are never quoted. Quotes have names, addresses, postcodes, phone numbers, emails, "
        "dates of birth and case numbers removed, and sentences holding contact details, dates or references "
        "are never quoted. Redaction is automatic: a name that is also an everyday word (Will, Rose) can "
        "pass, so read the quotes before the report leaves the service."
    )
    notes.append(
        f"'More than chance' means a one-sided Fisher's exact test (changes: two-sided) with the "
        f"Benjamini-Hochberg correction at a false discovery rate of {config.fdr:.0%}. Recurring issues are "
        "groups of similar sentences found automatically; read the quotes before acting on a name."
    )
    return notes


def build_report_from_records(
    frame: pd.DataFrame,
    params: Params,
    settings: ReportConfig,
    suggestions: Suggestions,
    taxonomy: Taxonomy | None,
    published: Mapping | None,
    unmapped: Mapping[str, Mapping[str, int]] | None = None,
) -> Report:
    """The report of validated records: :func:`report_records` (with the suggestions), then
    :func:`build_report` with the taxonomy's names of the themes the records carry."""
    records = report_records(
        frame,
        params.labels,
        settings,
        theme_separator=params.themes.separator,
        predictions=suggestions.predictions,
        unmapped=unmapped,
    )
    return build_report(
        records,
        settings,
        params.labels,
        theme_names={theme: taxonomy.name_of(theme) for theme in records.theme_ids} if taxonomy else {},
        published=published,
        model_versions=suggestions.versions,
        suggestion_threshold=suggestions.threshold,
        redactor=Redactor(params.privacy.case_ref_patterns),
    )
