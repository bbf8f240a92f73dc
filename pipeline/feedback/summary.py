"""Live accuracy from the officers' decisions: how often the first suggestion is accepted, and whether
the suggestions shown as confident still keep the model card's promise.

``summarise(decisions, target, ...)`` takes the store's frame and returns tables; :func:`html` renders
them as one internal page and :meth:`FeedbackSummary.sheets` as a workbook. Only labels, teams and
counts appear (never complaint text); the page is marked internal because its counts are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from pipeline.config import FeedbackConfig
from pipeline.modelling.metrics import wilson_lower_bound
from pipeline.report.published import INTERNAL_BANNER

if TYPE_CHECKING:
    from pipeline.privacy import Redactor

LEVEL = 0.95  # two-sided Wilson intervals
DEFAULT_TARGET = 0.9  # the promise when evaluate.target_precision is null (the project's usual target)
TOP_CORRECTIONS = 15
MIN_DECISIONS = FeedbackConfig.min_decisions  # feedback.min_decisions when the caller does not give it


def wilson_interval(successes: int, trials: int, level: float = LEVEL) -> tuple[float, float]:
    """Two-sided Wilson score interval of a proportion (nan, nan with no trials)."""
    if trials == 0:
        return float("nan"), float("nan")
    one_sided = 1 - (1 - level) / 2
    low = float(wilson_lower_bound(np.array([successes]), np.array([trials]), one_sided)[0])
    high = 1 - float(wilson_lower_bound(np.array([trials - successes]), np.array([trials]), one_sided)[0])
    return max(low, 0.0), min(high, 1.0)


def acceptance_rate(decisions: pd.DataFrame) -> float:
    """The share of decisions that kept the first suggestion (nan with none)."""
    return float(decisions["accepted"].astype(bool).mean()) if len(decisions) else float("nan")


def _rates(decisions: pd.DataFrame, by: str, title: str) -> pd.DataFrame:
    """Decisions, accepted and the acceptance rate per value of ``by``, the most decisions first."""
    keys = decisions[by].fillna("(none)").astype(str)
    grouped = decisions["accepted"].astype(bool).groupby(keys)
    table = pd.DataFrame({"Decisions": grouped.size(), "Accepted": grouped.sum().astype(int)})
    table["Acceptance"] = (table["Accepted"] / table["Decisions"]).round(3)
    table = table.sort_values(["Decisions", "Accepted"], ascending=False, kind="stable")
    return table.rename_axis(title).reset_index()


def _weeks(decisions: pd.DataFrame) -> pd.DataFrame:
    week = decisions["recorded_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    grouped = decisions["accepted"].astype(bool).groupby(week.dt.date)
    table = pd.DataFrame({"Decisions": grouped.size(), "Accepted": grouped.sum().astype(int)})
    table["Acceptance"] = (table["Accepted"] / table["Decisions"]).round(3)
    return table.rename_axis("Week starting").reset_index()


def _themes(decisions: pd.DataFrame, theme_names: Mapping[str, str]) -> pd.DataFrame:
    """Per theme: suggested, ticked, both; precision (ticked among suggested) and recall (suggested among ticked)."""
    counts: dict[str, list[int]] = {}
    for suggested_list, chosen in zip(decisions["suggested_themes"], decisions["chosen_themes"], strict=True):
        suggested, ticked = set(suggested_list), set(chosen)
        for theme in suggested | ticked:
            row = counts.setdefault(theme, [0, 0, 0])
            row[0] += theme in suggested
            row[1] += theme in ticked
            row[2] += theme in suggested and theme in ticked
    table = pd.DataFrame(
        [(theme_names.get(t, t), *values) for t, values in sorted(counts.items())],
        columns=["Theme", "Suggested", "Ticked", "Both"],
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        table["Precision"] = (table["Both"] / table["Suggested"].replace(0, np.nan)).round(3)
        table["Recall"] = (table["Both"] / table["Ticked"].replace(0, np.nan)).round(3)
    return table.sort_values("Ticked", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class FeedbackSummary:
    """What the decisions say about the suggestions, as tables and plain sentences."""

    decisions: int
    accepted: int
    interval: tuple[float, float]
    confident: pd.DataFrame  # model version, shown confident, right, accuracy, interval, target, verdict
    weeks: pd.DataFrame
    by_category: pd.DataFrame
    by_team: pd.DataFrame
    by_model: pd.DataFrame
    corrections: pd.DataFrame  # suggested -> chosen, how often
    themes: pd.DataFrame
    target: float
    warnings: list[str] = field(default_factory=list)
    since: str | None = None
    notes: list[str] = field(default_factory=list)  # figures shown but not judged (too few decisions)
    earlier: int | None = None  # decisions recorded before ``since`` (None: not known)

    @property
    def since_words(self) -> str:
        """``since`` as a reader writes it ("1 January 2027"), or "" with none."""
        from pipeline.report.build import plain_date

        return plain_date(self.since) if self.since else ""

    @property
    def acceptance(self) -> float:
        return self.accepted / self.decisions if self.decisions else float("nan")

    def headline(self) -> str:
        if not self.decisions:
            if not self.since or self.earlier == 0:
                return "No decisions recorded yet."
            before = f" ({self.earlier:,} recorded before it)" if self.earlier else ""
            return f"No decisions recorded since {self.since_words}{before}."
        low, high = self.interval
        return (
            f"{self.decisions:,} decisions: the first suggestion was kept in {self.accepted:,} "
            f"({self.acceptance:.1%}, 95% interval {low:.1%} to {high:.1%})."
        )

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The workbook: one sheet per table."""
        overall = pd.DataFrame(
            [
                {
                    "Decisions": self.decisions,
                    "Accepted": self.accepted,
                    "Acceptance": round(self.acceptance, 3) if self.decisions else None,
                    "Interval low": round(self.interval[0], 3) if self.decisions else None,
                    "Interval high": round(self.interval[1], 3) if self.decisions else None,
                }
            ]
        )
        return {
            "Overall": overall,
            "Confident suggestions": self.confident,
            "Per week": self.weeks,
            "Per category": self.by_category,
            "Per team": self.by_team,
            "Per model version": self.by_model,
            "Corrections": self.corrections,
            "Themes": self.themes,
        }

    def formats(self) -> dict[str, dict[str, str]]:
        """Excel number formats for :meth:`sheets`: shares as whole percentages, as in the report's workbook."""
        from pipeline.report.render import sheet_formats

        return sheet_formats(self.sheets())


def _confident(decisions: pd.DataFrame, target: float, minimum: int) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Per model version, the suggestions shown as confident: how many were kept, against the target.
    Under ``minimum`` of them the figures are shown but not judged: a handful of decisions proves nothing."""
    rows, warnings, notes = [], [], []
    shown = decisions[~decisions["needs_review"].astype(bool)]
    for version, group in shown.groupby("model_version", sort=True):
        n, right = len(group), int(group["accepted"].astype(bool).sum())
        low, high = wilson_interval(right, n)
        if n < minimum:
            verdict = f"Too few decisions to judge ({n} of at least {minimum})"
            notes.append(
                f"{version}: {right} of {n} suggestions shown as confident were kept; too few decisions to judge "
                f"({n} of at least {minimum}) whether it keeps the {target:.0%} its card promises."
            )
        elif high < target:
            verdict = "Promise broken (beyond chance)"
            warnings.append(
                f"{version}: suggestions shown as confident were right {right / n:.0%} of the time ({right} of {n}; "
                f"95% interval {low:.0%} to {high:.0%}), below the {target:.0%} its card promises, by more than "
                "chance explains. Treat its confident suggestions as needing review, and retrain."
            )
        elif right / n < target:
            verdict = "Below the target, within chance"
        else:
            verdict = "Kept"
        rows.append(
            {
                "Model version": version,
                "Shown confident": n,
                "Kept": right,
                "Accuracy": round(right / n, 3),
                "Interval low": round(low, 3),
                "Interval high": round(high, 3),
                "Promised": target,
                "Verdict": verdict,
            }
        )
    columns = ["Model version", "Shown confident", "Kept", "Accuracy", "Interval low", "Interval high"]
    return pd.DataFrame(rows, columns=[*columns, "Promised", "Verdict"]), warnings, notes


def summarise(
    decisions: pd.DataFrame,
    target: float,
    theme_names: Mapping[str, str] | None = None,
    since: str | None = None,
    redactor: Redactor | None = None,
    *,
    min_decisions: int = MIN_DECISIONS,
    total: int | None = None,
) -> FeedbackSummary:
    """The summary of ``decisions`` (the store's frame); ``target`` is the precision the model card
    promises for suggestions shown as confident. Teams are typed freely at intake, so ``redactor``
    (default: the built-in formats) takes identifiers out of them. A model version with fewer than
    ``min_decisions`` confident suggestions is shown but not judged (feedback.min_decisions). ``total``,
    the decisions in the store before ``since`` was applied, lets an empty summary say how many came
    earlier. ``decisions`` is not changed."""
    if redactor is None:
        from pipeline.privacy import Redactor

        redactor = Redactor()
    teams = decisions["team"].dropna().unique().tolist()  # a few teams over many decisions: each redacted once
    decisions = decisions.assign(team=decisions["team"].map(dict(zip(teams, redactor.redact_all(teams), strict=True))))
    accepted = int(decisions["accepted"].astype(bool).sum())
    confident, warnings, notes = _confident(decisions, target, min_decisions)
    corrected = decisions[~decisions["accepted"].astype(bool)]
    corrections = (
        corrected.groupby(["suggested_category", "chosen_category"]).size().rename("Times").reset_index()
        if len(corrected)
        else pd.DataFrame(columns=["suggested_category", "chosen_category", "Times"])
    )
    corrections = (
        corrections.sort_values(["Times", "suggested_category"], ascending=[False, True], kind="stable")
        .head(TOP_CORRECTIONS)
        .rename(columns={"suggested_category": "Suggested", "chosen_category": "Officer chose"})
        .reset_index(drop=True)
    )
    return FeedbackSummary(
        decisions=len(decisions),
        accepted=accepted,
        interval=wilson_interval(accepted, len(decisions)),
        confident=confident,
        weeks=_weeks(decisions),
        by_category=_rates(decisions, "suggested_category", "Suggested category"),
        by_team=_rates(decisions, "team", "Team"),
        by_model=_rates(decisions, "model_version", "Model version"),
        corrections=corrections,
        themes=_themes(decisions, theme_names or {}),
        target=target,
        warnings=warnings,
        since=since,
        notes=notes,
        earlier=None if total is None else max(total - len(decisions), 0),
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Decisions at intake</title><style>{{ styles }}</style></head>
<body>
<p class="banner"><strong>{{ banner }}</strong></p>
<h1>Decisions at intake: are the suggestions still right?</h1>
<p>{{ s.headline() }}{% if s.since and s.decisions %} Decisions since {{ s.since_words }}.{% endif %}{% if generated %} Written {{ generated }}.{% endif %}</p>
{% for warning in s.warnings %}<p class="warning"><strong>Warning:</strong> {{ warning }}</p>{% endfor %}
{% for note in s.notes %}<p class="note">{{ note }}</p>{% endfor %}
<section><h2>Suggestions shown as confident</h2>
<p>The model card promises that at least {{ "%.0f" % (100 * s.target) }}% of the suggestions shown without
"needs review" are right. Here "right" means the officer kept the first suggestion.</p>{{ t.confident }}</section>
<section><h2>Per week</h2>{{ t.weeks }}</section>
<section><h2>Per suggested category</h2>{{ t.by_category }}</section>
<section><h2>Most often corrected</h2>{{ t.corrections }}</section>
<section><h2>Per team</h2>{{ t.by_team }}</section>
<section><h2>Per model version</h2>{{ t.by_model }}</section>
<section><h2>Themes: suggested against ticked</h2>
<p>Precision: of the themes suggested, the share the officer kept ticked. Recall: of the themes ticked, the share suggested.</p>
{{ t.themes }}</section>
</body></html>
"""


def html(summary: FeedbackSummary, generated: str = "") -> str:
    """The summary as one self-contained internal page (styles inline, no scripts)."""
    from pipeline.report.render import html_table
    from pipeline.report.template import STYLES

    tables = {
        name: html_table(frame, minimum=1)
        for name, frame in {
            "confident": summary.confident,
            "weeks": summary.weeks,
            "by_category": summary.by_category,
            "by_team": summary.by_team,
            "by_model": summary.by_model,
            "corrections": summary.corrections,
            "themes": summary.themes,
        }.items()
    }
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(PAGE).render(
        s=summary, t=tables, styles=Markup(STYLES), banner=INTERNAL_BANNER, generated=generated
    )
