"""What ``complaints init`` proposes for a council's export: which of its columns is which of ours, how its
spellings of categories, outcomes and stages map to the national lists, and the config that says so.

Every proposal says what it rests on (a column's name, its content, a spelling, a keyword), and every
value it cannot place is listed by name and count: nothing is guessed silently. The analyst reads the
proposal, accepts or edits the config it writes, and ``complaints check`` then says what would run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipeline.config import OUTCOMES, RECORD_COLUMNS, Params
from pipeline.data.schema import financial_year, label_key, one_spelling, parse_dates, parse_stages

# Names councils give our columns (compared lower-case, punctuation as spaces, as whole words).
NAME_HINTS: Mapping[str, tuple[str, ...]] = {
    "complaint_ref": ("ref", "reference", "case ref", "case number", "case id", "complaint id", "complaint ref", "id"),
    "date_received": ("date received", "received", "date logged", "logged", "date opened", "opened", "start date"),
    "financial_year": ("financial year", "fin year", "year", "fy"),
    "stage": ("stage", "complaint stage", "level"),
    "team": ("team", "service", "service area", "department", "directorate", "unit"),
    "complainant_type": ("complainant", "complainant type", "relationship", "who complained", "complainant role"),
    "description": ("description", "summary", "complaint", "details", "narrative", "complaint summary", "text"),
    "category": (
        "category",
        "complaint category",
        "category of complaint",
        "type",
        "complaint type",
        "nature",
        "nature of complaint",
        "subject",
        "reason",
        "complaint reason",
        "reason for complaint",
    ),
    "themes": ("themes", "theme", "root cause", "root causes", "learning themes"),
    "outcome": ("outcome", "result", "finding", "decision", "upheld"),
    "date_responded": ("date responded", "responded", "response date", "date closed", "closed", "date of response"),
    "extension_agreed": ("extension", "extension agreed", "extended"),
}

# Words that point a council's own category wording at a national category. A spelling is proposed by
# keyword only when its words point at exactly one category; otherwise it is listed as unmatched.
CATEGORY_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "About Legislation": ("legislation", "law", "legal", "statutory"),
    "About Policy": ("policy", "policies", "procedure", "eligibility", "criteria"),
    "Breach of Confidentiality": ("confidentiality", "confidential", "privacy", "data breach", "data protection"),
    "Broken Promise/Appointment": ("promise", "appointment", "missed visit", "undertaking"),
    "Delay/Failed Service": ("delay", "delayed", "failed", "failure", "late", "slow", "timeliness"),
    "Denial/Withdrawal/Change Service": (
        "denial",
        "denied",
        "refused",
        "refusal",
        "withdrawal",
        "withdrawn",
        "change",
        "changed",
        "stopped",
        "ended",
        "reduced",
    ),
    "Lack of /Incorrect Information": ("information", "info", "incorrect", "inaccurate", "communication"),
    "Not to Standard": ("standard", "quality", "poor service"),
    "Staff Attitude/Conduct": ("attitude", "conduct", "behaviour", "behavior", "rude", "manner"),
    "Other": ("other", "miscellaneous", "misc"),
}
OUTCOME_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "Partially Upheld": ("partial", "partially", "partly", "part upheld", "in part"),
    "Not Upheld": ("not upheld", "rejected", "no fault", "unfounded", "not justified", "no case to answer"),
    "No Finding": ("no finding", "inconclusive", "unable to determine", "not determined"),
    "Withdrawn": ("withdrawn", "withdrew", "closed by complainant"),
    "Upheld": ("upheld", "justified", "fully upheld", "founded"),
}
# Without these a command cannot run: the text to score, and the category to train on.
REQUIRED = {
    "description": "the complaint's text (needed to score)",
    "category": "the recorded category (needed to train)",
}
MIN_TEXT_CHARS = 40  # a column whose values average fewer characters is not the complaint text
DATE_SHARE = 0.8  # the share of a column's values that must read as dates for it to be a date column


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", str(text).casefold()).strip() + " "


@dataclass(frozen=True)
class ColumnMatch:
    """One of our columns, the export's column proposed for it, and why."""

    ours: str
    theirs: str
    basis: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ValueMatch:
    """One distinct spelling in a category, outcome or stage column, and what it is proposed to mean."""

    column: str  # ours: category, outcome or stage
    spelling: str
    count: int
    proposed: str | None  # the national value, or None: not matched (named, never guessed)
    basis: str  # "the national name", "spelling close to ...", "keyword 'x'", "stage number", ""


@dataclass(frozen=True)
class Proposal:
    """Everything init proposes, and the config text that records it."""

    source: str  # the export as the config names it
    rows: int
    columns: tuple[ColumnMatch, ...]
    unused: tuple[str, ...]  # the export's columns no field of ours was matched to
    values: tuple[ValueMatch, ...]
    date_dayfirst: bool
    date_basis: str
    years: Mapping[str, int]
    themes_from: str  # column | patterns
    split: str  # time | stratified
    team_aliases: Mapping[str, str]
    layout: Mapping[str, object] = field(default_factory=dict)  # header_row, sheet: where the table was found

    def mapping(self) -> dict[str, str]:
        return {match.ours: match.theirs for match in self.columns}

    def missing(self) -> dict[str, str]:
        """Each needed column of ours that no column of the export was matched to, with the export's unused
        columns that could be it (for the analyst to choose: never guessed)."""
        return {
            ours: ", ".join(f"'{column}'" for column in self.unused) or "none left"
            for ours in REQUIRED
            if ours not in self.mapping()
        }

    def unmatched(self) -> list[ValueMatch]:
        """Spellings that map to nothing: named in the config and on screen, for the analyst to decide."""
        return [value for value in self.values if value.proposed is None]

    def config_text(self, today: date, themes_file: str = "themes.yaml") -> str:
        """The council config: a commented YAML file holding only what differs from the packaged defaults,
        naming ``themes_file`` (the editable copy of the themes that init writes)."""
        return _config_text(self, today, themes_file)


def _examples(series: pd.Series, count: int = 3, width: int = 40) -> tuple[str, ...]:
    values = series.dropna().astype(str).str.strip()
    values = values[values != ""].drop_duplicates().head(count)
    return tuple(value if len(value) <= width else value[: width - 1] + "…" for value in values)


def _date_share(series: pd.Series) -> float:
    text = series.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty or text.str.len().mean() > 30:
        return 0.0
    looks = text.str.match(r"^(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{5}(\.\d+)?$)")
    parsed = pd.to_datetime(text[looks], errors="coerce", dayfirst=True, format="mixed")
    return float(parsed.notna().sum()) / len(text)


def _name_score(ours: str, column: str) -> tuple[float, str]:
    name = _words(column)
    best = (0.0, "")
    for hint in NAME_HINTS[ours]:
        if name.strip() == hint:
            return 1.0, f"its name '{column}'"
        if f" {hint} " in name:
            best = max(best, (0.6 + 0.1 * len(hint.split()), f"its name '{column}'"))
    return best


def _national_share(series: pd.Series, known: Sequence[str]) -> float:
    values = series.dropna().astype(str)
    if values.empty:
        return 0.0
    keys = {label_key(k) for k in known}
    return float(values.map(lambda v: label_key(v) in keys).mean())


def _content_scores(frame: pd.DataFrame, params: Params) -> dict[str, dict[str, tuple[float, str]]]:
    """Per export column, how much its content looks like each of our columns (0 to 1) and why."""
    national = list(params.labels.categories or ()) + list(params.labels.aliases)
    scores: dict[str, dict[str, tuple[float, str]]] = {}
    for column in frame.columns:
        series = frame[column]
        text = series.dropna().astype(str).str.strip()
        text = text[text != ""]
        found: dict[str, tuple[float, str]] = {}
        if text.empty:
            scores[column] = found
            continue
        mean_chars = text.str.len().mean()
        distinct = text.nunique()
        if mean_chars >= MIN_TEXT_CHARS:
            found["description"] = (min(1.0, mean_chars / 200), f"the longest text (about {mean_chars:.0f} characters)")
        if _date_share(text) >= DATE_SHARE:
            for ours in ("date_received", "date_responded"):
                found[ours] = (0.5, "its values are dates")
        if distinct == len(text) and mean_chars < MIN_TEXT_CHARS and len(text) > 1:
            found["complaint_ref"] = (0.4, "a different value on every row")
        if national and _national_share(text, national) >= 0.3:
            found["category"] = (0.9, "its values are national categories")
        outcome_share = _keyword_share(text, OUTCOME_KEYWORDS)
        if outcome_share >= 0.5:
            found["outcome"] = (0.8 * outcome_share, "its values are outcomes (upheld, not upheld ...)")
        stages, unmapped = parse_stages(text, params.data.stage_aliases)
        if stages.notna().mean() >= 0.8 and distinct <= 10 and not text.str.fullmatch(r"\d+").all():
            found["stage"] = (0.7, "its values are stages")
        if text.str.fullmatch(r"\d{4}\s*[/-]\s*\d{2,4}").mean() >= 0.9:
            found["financial_year"] = (0.8, "its values are financial years")
        if text.str.casefold().isin(["yes", "no", "y", "n", "true", "false"]).mean() >= 0.9:
            found["extension_agreed"] = (0.3, "yes/no values")
        scores[column] = found
    return scores


def _keyword_share(text: pd.Series, keywords: Mapping[str, tuple[str, ...]]) -> float:
    return float(text.map(lambda value: _by_keyword(value, keywords)[0] is not None).mean()) if len(text) else 0.0


def _by_keyword(spelling: str, keywords: Mapping[str, tuple[str, ...]]) -> tuple[str | None, str]:
    """The one value whose keywords the spelling holds (the first listed wins for outcomes, where
    "not upheld" also holds "upheld"), or None when none or several categories are named."""
    words = _words(spelling)
    hits = [(value, word) for value, listed in keywords.items() for word in listed if f" {word} " in words]
    values = list(dict.fromkeys(value for value, _ in hits))
    if not values:
        return None, ""
    if keywords is OUTCOME_KEYWORDS or len(values) == 1:
        return values[0], f"keyword '{next(word for value, word in hits if value == values[0])}'"
    return None, ""


def propose_columns(frame: pd.DataFrame, params: Params) -> tuple[list[ColumnMatch], list[str]]:
    """Our columns -> the export's, best evidence first (a name and content together beat either alone);
    each export column is used at most once. Returns the matches and the export's unused columns."""
    content = _content_scores(frame, params)
    candidates = []
    for column in frame.columns:
        for ours in RECORD_COLUMNS:
            by_name, name_basis = _name_score(ours, str(column))
            by_content, content_basis = content[column].get(ours, (0.0, ""))
            if ours == "description" and not by_content:
                continue  # a short column is never the complaint text, whatever its name
            if ours in ("date_received", "date_responded") and not by_content:
                continue
            score = by_name + by_content
            if score >= 0.4:
                basis = " and ".join(b for b in (name_basis, content_basis) if b)
                candidates.append((score, ours, str(column), basis))
    taken_ours: set[str] = set()
    taken_theirs: set[str] = set()
    matches = []
    for _score, ours, theirs, basis in sorted(candidates, key=lambda c: -c[0]):
        if ours in taken_ours or theirs in taken_theirs:
            continue
        taken_ours.add(ours)
        taken_theirs.add(theirs)
        matches.append(ColumnMatch(ours, theirs, basis, _examples(frame[theirs])))
    order = {name: i for i, name in enumerate(RECORD_COLUMNS)}
    matches.sort(key=lambda match: order[match.ours])
    return matches, [str(column) for column in frame.columns if str(column) not in taken_theirs]


def _category_match(spelling: str, params: Params) -> tuple[str | None, str]:
    categories = params.labels.categories
    if categories is None:
        return spelling, "the data's own label (labels.categories is null)"
    known = {label_key(c): c for c in categories}
    aliases = {label_key(a): c for a, c in params.labels.aliases.items()}
    key = label_key(spelling)
    if key in known:
        return known[key], "the national name"
    if key in aliases:
        return aliases[key], "an alias in the defaults"
    close = difflib.get_close_matches(key, [*known, *aliases], n=1, cutoff=0.85)
    if close:
        return (known | aliases)[close[0]], f"spelling close to '{(known | aliases)[close[0]]}'"
    return _by_keyword(spelling, {c: w for c, w in CATEGORY_KEYWORDS.items() if c in categories})


def _outcome_match(spelling: str, params: Params) -> tuple[str | None, str]:
    known = {o.casefold(): o for o in OUTCOMES} | {a.casefold(): o for a, o in params.report.outcome_aliases.items()}
    if spelling.strip().casefold() in known:
        return known[spelling.strip().casefold()], "a known outcome"
    return _by_keyword(spelling, OUTCOME_KEYWORDS)


def _spellings(values: pd.Series) -> pd.Series:
    """Distinct spellings with their counts, commonest first; spellings that differ only in case or spaces
    are one (labels are matched that way), shown in their commonest form."""
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    return one_spelling(text).value_counts(sort=True)


def propose_values(frame: pd.DataFrame, mapping: Mapping[str, str], params: Params) -> list[ValueMatch]:
    """Every distinct category, outcome and stage spelling, its count, and the value it is proposed to mean."""
    found: list[ValueMatch] = []
    for ours, match in (("category", _category_match), ("outcome", _outcome_match)):
        if ours in mapping:
            for spelling, count in _spellings(frame[mapping[ours]]).items():
                proposed, basis = match(str(spelling), params)
                found.append(ValueMatch(ours, str(spelling), int(count), proposed, basis))
    if "stage" in mapping:
        counts = _spellings(frame[mapping["stage"]])
        stages, _ = parse_stages(pd.Series(counts.index, dtype="string"), params.data.stage_aliases)
        for (spelling, count), stage in zip(counts.items(), stages, strict=True):
            proposed = None if pd.isna(stage) else str(int(stage))
            found.append(
                ValueMatch("stage", str(spelling), int(count), proposed, "a stage number or name" if proposed else "")
            )
    return found


def _day_first(frame: pd.DataFrame, mapping: Mapping[str, str], default: bool) -> tuple[bool, str]:
    """Day or month first, from a date with a first number over 12 (day first) or a second one over 12."""
    for ours in ("date_received", "date_responded"):
        if ours not in mapping:
            continue
        text = frame[mapping[ours]].dropna().astype(str).str.strip()
        parts = text.str.extract(r"^(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}")
        first, second = pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")
        if (first > 12).any():
            return True, f"'{text[first > 12].iloc[0]}' can only be day first"
        if (second > 12).any():
            return False, f"'{text[second > 12].iloc[0]}' can only be month first"
    dated = [
        frame[mapping[ours]].dropna().astype(str).str.strip()
        for ours in ("date_received", "date_responded")
        if ours in mapping
    ]
    if dated and all(text.str.match(r"^\d{4}-\d{2}-\d{2}").all() for text in dated):
        return default, "the dates are written year first (2014-04-07), so day and month cannot be confused"
    return default, "no date settles it; the default (day first, as UK exports write dates)"


def _team_aliases(frame: pd.DataFrame, mapping: Mapping[str, str]) -> dict[str, str]:
    """Team names that differ only in case, spaces or punctuation, mapped to the commonest spelling."""
    if "team" not in mapping:
        return {}
    counts = frame[mapping["team"]].dropna().astype(str).str.strip().value_counts()
    groups: dict[str, list[str]] = {}
    for team in counts.index:
        groups.setdefault(_words(team), []).append(team)
    return {other: spellings[0] for spellings in groups.values() for other in spellings[1:]}


def _years(frame: pd.DataFrame, mapping: Mapping[str, str], dayfirst: bool) -> dict[str, int]:
    if "financial_year" in mapping:
        years = frame[mapping["financial_year"]].astype("string").str.strip()
    elif "date_received" in mapping:
        years = financial_year(parse_dates(frame[mapping["date_received"]], dayfirst))
    else:
        return {}
    return {str(k): int(v) for k, v in years.dropna().value_counts().sort_index().items()}


def propose_config(
    frame: pd.DataFrame, params: Params, source: str, layout: Mapping[str, object] | None = None
) -> Proposal:
    """Read an export (as read, every column text) against the defaults and propose its config."""
    matches, unused = propose_columns(frame, params)
    mapping = {match.ours: match.theirs for match in matches}
    dayfirst, date_basis = _day_first(frame, mapping, params.data.date_dayfirst)
    years = _years(frame, mapping, dayfirst)
    return Proposal(
        source=source,
        rows=len(frame),
        columns=tuple(matches),
        unused=tuple(unused),
        values=tuple(propose_values(frame, mapping, params)),
        date_dayfirst=dayfirst,
        date_basis=date_basis,
        years=years,
        themes_from="column" if "themes" in mapping else "patterns",
        split="time" if len(years) >= 2 and "date_received" in mapping else "stratified",
        team_aliases=_team_aliases(frame, mapping),
        layout=dict(layout or {}),
    )


def _quoted(text: object) -> str:
    """A YAML scalar that reads back as the same string (council spellings hold ':' and '#')."""
    value = str(text)
    return "'" + value.replace("'", "''") + "'"


def _config_text(proposal: Proposal, today: date, themes_file: str) -> str:
    lines = [
        f"# Settings for {proposal.source}, proposed by `complaints init` on {today.isoformat()}.",
        "# Read each line (the comments say what it rests on), change what is wrong, then run:",
        f"#   complaints check {proposal.source} --params <this file>",
        "# Everything not set here comes from the defaults that ship with complaints (inherit: defaults).",
        "inherit: defaults",
        "",
        "data:",
        f"  train_file: {_quoted(proposal.source)}",
        f"  score_file: {_quoted(proposal.source)}",
    ]
    if proposal.layout.get("sheet") is not None:
        lines.append(f"  sheet: {_quoted(proposal.layout['sheet'])}")
    if proposal.layout.get("header_row") not in (None, 1):
        lines.append(f"  header_row: {proposal.layout['header_row']}   # the rows above it are a title, not data")
    lines.append(f"  date_dayfirst: {str(proposal.date_dayfirst).lower()}   # {proposal.date_basis}")
    stages = [v for v in proposal.values if v.column == "stage"]
    aliased_stages = [v for v in stages if v.proposed is not None and not v.spelling.strip().isdigit()]
    if aliased_stages or any(v.proposed is None for v in stages):
        lines.append("  stage_aliases:   # read already: each spelling below, listed so you can check it")
        lines += [f"    {_quoted(v.spelling)}: {v.proposed}   # {v.count} rows" for v in aliased_stages]
        lines += [
            f"    # {_quoted(v.spelling)}: ?   # {v.count} rows: not a stage we know; write 1, 2 or 3"
            for v in stages
            if v.proposed is None
        ]
    lines.append("  columns:   # our name: the column in your export (examples from it)")
    for match in proposal.columns:
        lines.append(f"    {match.ours}: {_quoted(match.theirs)}   # {match.basis}; e.g. {', '.join(match.examples)}")
    for ours, candidates in proposal.missing().items():
        lines.append(f"    # {ours}: ?   # {REQUIRED[ours]}: not found; which column is it? Unused: {candidates}")
    missing = [ours for ours in RECORD_COLUMNS if ours not in proposal.mapping() and ours not in REQUIRED]
    if missing:
        lines.append(f"    # not found in the export (optional): {', '.join(missing)}")
    if proposal.unused:
        lines.append(f"    # columns of the export not used: {', '.join(proposal.unused)}")

    categories = [v for v in proposal.values if v.column == "category"]
    aliases = [
        v
        for v in categories
        if v.proposed is not None and v.basis not in ("the national name", "an alias in the defaults")
    ]
    unmatched = [v for v in categories if v.proposed is None]
    if aliases or unmatched:
        lines += ["", "labels:", "  aliases:   # your spelling: the national category"]
        lines += [f"    {_quoted(v.spelling)}: {_quoted(v.proposed)}   # {v.count} rows; {v.basis}" for v in aliases]
        lines += [
            f"    # {_quoted(v.spelling)}: ?   # {v.count} rows: matches no national category; left out of training until mapped"
            for v in unmatched
        ]

    lines += [
        "",
        "prepare:",
        f"  split: {proposal.split}   # "
        + (
            f"the latest of {len(proposal.years)} financial years is the holdout"
            if proposal.split == "time"
            else "fewer than two financial years (or no dates): a random fifth is the holdout"
        ),
    ]
    lines += ["", "themes:"]
    if proposal.themes_from == "column":
        lines.append("  labels: column   # theme ids from the themes column")
    else:
        lines.append("  labels: patterns   # no theme column: the themes file's seed patterns label the training texts")
    lines.append(f"  taxonomy_file: {_quoted(themes_file)}   # your editable copy of the themes and their patterns")

    outcomes = [v for v in proposal.values if v.column == "outcome"]
    outcome_aliases = [v for v in outcomes if v.proposed is not None and v.basis != "a known outcome"]
    unknown_outcomes = [v for v in outcomes if v.proposed is None]
    lines += [
        "",
        "report:",
        "  # No before/after comparison and no published tables unless you name them:",
        "  # change_date: 2024-04-01   change_label: the new duty system   published_file: published.yaml",
    ]
    if proposal.themes_from == "patterns":
        lines.append("  labels: both   # recorded categories; the trained model's themes, as the export records none")
    if outcome_aliases or unknown_outcomes:
        lines.append(
            "  outcome_aliases:   # your outcome: Upheld, Partially Upheld, Not Upheld, No Finding or Withdrawn"
        )
        lines += [
            f"    {_quoted(v.spelling)}: {_quoted(v.proposed)}   # {v.count} rows; {v.basis}" for v in outcome_aliases
        ]
        lines += [
            f"    # {_quoted(v.spelling)}: ?   # {v.count} rows: not an outcome we know; shown as 'Other outcome'"
            for v in unknown_outcomes
        ]
    if proposal.team_aliases:
        lines.append("  team_aliases:   # spellings of one team, counted as one")
        lines += [f"    {_quoted(k)}: {_quoted(v)}" for k, v in proposal.team_aliases.items()]
    return "\n".join(lines) + "\n"
