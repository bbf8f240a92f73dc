"""The data contract: map a council's columns to ours, check them, normalise labels.

``validate`` takes the frame as read from the file and returns a new frame with our column names
and types, plus every row it could not use with the reason. It raises :class:`DataContractError`
(with a message an analyst can act on) only when the file as a whole cannot be used.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from pipeline.config import CANONICAL_COLUMNS, DataConfig, LabelsConfig, Params, ThemesConfig
from pipeline.errors import DataContractError

Purpose = Literal["train", "score"]

# Spreadsheet row numbers: the header is row 1, so the first record is row 2 (unless the table starts lower).
FIRST_DATA_ROW = 2
SOURCE_ROW = "source_row"
SAYS_SOMETHING = re.compile(r"[^\W_]")  # a letter or digit, in any script: a text without one says nothing


# What a value that maps to nothing costs until it is mapped, and where to map it.
UNMAPPED_FIXES: Mapping[str, str] = {
    "stage": "map each spelling to 1, 2 or 3 in data.stage_aliases (their timescales are unknown until then)",
    "category": "map each spelling in labels.aliases (those rows are not trained on until then)",
    "outcome": "map each spelling in report.outcome_aliases (counted as 'Other outcome' until then)",
    "date_received": "write them as dates (data.date_format or data.date_dayfirst say how they are read; dates "
    "before data.earliest_date or after today are typing errors); those rows have no year until then",
    "date_responded": "write them as dates (data.date_format or data.date_dayfirst say how they are read); "
    "no response time until then",
    "team": "they are counted under 'Not recorded' in the report",
}


def unmapped_warnings(unmapped: Mapping[str, Mapping[str, int]], shown: int = 10) -> list[str]:
    """One plain sentence per column whose values map to nothing: the spellings (commonest first, at most
    ``shown``) with their counts, and the fix. Shared by the console and the report's notes."""
    lines = []
    for column, counts in unmapped.items():
        if not counts:
            continue
        ordered = sorted(counts.items(), key=lambda item: -item[1])
        listing = ", ".join(f"'{spelling}' ({count})" for spelling, count in ordered[:shown])
        more = f" and {len(ordered) - shown} more spellings" if len(ordered) > shown else ""
        lines.append(
            f"{sum(counts.values())} rows have a {column} that is not recognised: {listing}{more}; "
            f"{UNMAPPED_FIXES.get(column, 'fix them in the file or the params file')}."
        )
    return lines


def first_data_row(frame: pd.DataFrame) -> int:
    """The file's row number of a frame's first record: as the reader recorded it (a title above the header
    moves it down), else row 2."""
    return int(frame.attrs.get("first_data_row", FIRST_DATA_ROW))


@dataclass(frozen=True)
class Validated:
    """Rows fit to use (our column names, clean types) and rows set aside with a reason."""

    frame: pd.DataFrame
    rejected: pd.DataFrame
    rows_in: int
    labels_aliased: Mapping[str, int] = field(default_factory=dict)
    theme_columns: Mapping[str, str] = field(default_factory=dict)  # one-hot exports: theme id -> column
    # Values kept but not understood, by column: {"stage": {"Stage X": 3}} (see :meth:`warnings`).
    unmapped: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    dates_read_as: str = ""  # how ambiguous dates were read (data.date_format or data.date_dayfirst)

    def warnings(self) -> list[str]:
        """One plain sentence per column with values that map to nothing, naming each spelling and its count."""
        return unmapped_warnings(self.unmapped)

    def too_few_rows(self, error: DataContractError, categories: Sequence[str] | None, shown: int = 5) -> str:
        """Why too few rows were left to train, real cause first: when category spellings that map to nothing
        were set aside, how many rows, the commonest spellings and the national categories to map them to,
        then the error itself; else the error as it is."""
        counts = self.unmapped.get("category", {})
        if not counts:
            return str(error)
        common = sorted(counts.items(), key=lambda item: -item[1])[:shown]
        national = f" The national categories: {'; '.join(categories)}." if categories else ""
        return (
            f"{sum(counts.values())} of the file's {self.rows_in} rows have a category that is neither a national "
            f"category nor in labels.aliases ({len(counts)} spellings; commonest: "
            + ", ".join(f"'{label}' ({n})" for label, n in common)
            + "). Map each spelling to its national category in labels.aliases in your params file (`complaints "
            f"init EXPORT` proposes them when data.columns.category names the column), then run this again.{national}"
            f" ({error})"
        )

    def summary(self) -> dict[str, object]:
        reasons = self.rejected["reason_code"].value_counts().to_dict() if len(self.rejected) else {}
        return {
            "rows_in": self.rows_in,
            "rows_valid": len(self.frame),
            "rows_rejected": len(self.rejected),
            "rejected_by_reason": {str(k): int(v) for k, v in reasons.items()},
            "labels_aliased": dict(self.labels_aliased),
            "dates_read_as": self.dates_read_as,
            "unmapped": {column: dict(counts) for column, counts in self.unmapped.items()},
        }


def label_key(label: str) -> str:
    """Case, repeated spaces and spaces around '/' do not make a label different."""
    return re.sub(r"\s*/\s*", "/", re.sub(r"\s+", " ", label.strip())).casefold()


def build_label_lookup(labels: LabelsConfig) -> dict[str, str] | None:
    """Map every accepted spelling (by :func:`label_key`) to its category; None means open vocabulary."""
    if labels.categories is None:
        return None
    lookup = {label_key(category): category for category in labels.categories}
    for alias, category in labels.aliases.items():
        if category not in labels.categories:
            raise DataContractError(
                f"labels.aliases maps '{alias}' to '{category}', which is not in labels.categories. "
                "Correct the alias in the params file."
            )
        lookup[label_key(alias)] = category
    return lookup


def normalise_label(label: object, lookup: Mapping[str, str] | None) -> str | None:
    """The category a recorded label means, or None when it is not recognised."""
    if label is None or pd.isna(label) or not str(label).strip():
        return None
    text = re.sub(r"\s+", " ", str(label).strip())
    if lookup is None:
        return text
    return lookup.get(label_key(text))


def _required_columns(purpose: Purpose, need_dates: bool) -> tuple[str, ...]:
    if purpose == "score":
        return ("description",)
    return ("description", "category", "date_received") if need_dates else ("description", "category")


def _rename(raw: pd.DataFrame, columns: Mapping[str, str], required: tuple[str, ...]) -> pd.DataFrame:
    names = [str(name).strip().lstrip("\ufeff") for name in raw.columns]
    # pandas renames a repeated header "category" to "category.1"; both spellings mean two columns.
    repeated = sorted(
        {n for n in names if names.count(n) > 1}
        | {n.rsplit(".", 1)[0] for n in names if re.fullmatch(r".+\.\d+", n) and n.rsplit(".", 1)[0] in names}
    )
    if repeated:
        raise DataContractError(
            f"The file has more than one column called {', '.join(repr(n) for n in repeated)}, so it is not clear "
            "which to use. Rename or delete the extra column. Nothing was written."
        )
    stripped = dict(zip(names, raw.columns, strict=True))
    missing = [ours for ours in required if columns.get(ours, ours) not in stripped]
    if missing:
        found = ", ".join(f"'{name}'" for name in stripped) or "(none)"
        lines = []
        for ours in missing:
            wanted = columns.get(ours, ours)
            close = difflib.get_close_matches(wanted, list(stripped), n=1, cutoff=0.6)
            lines.append(
                f"The file has no column '{wanted}' (needed for {ours}; data.columns.{ours} in the params file)."
                + (f" Did you mean '{close[0]}'?" if close else "")
            )
        header = first_data_row(raw) - 1
        raise DataContractError(
            "\n".join(lines)
            + f"\nColumns found (the names in row {header} of the file): {found}.\nPoint data.columns at the right "
            "name (`complaints init FILE` proposes the whole mapping from your export); if those are not the column "
            "names, set data.header_row to the row that holds them. Nothing was written."
        )
    frame = pd.DataFrame(index=raw.index)
    for ours in CANONICAL_COLUMNS:
        theirs = columns.get(ours)
        frame[ours] = raw[stripped[theirs]] if theirs in stripped else pd.NA
    return frame


def _as_text(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.mask(text == "", pd.NA)


def blank_meaningless(description: pd.Series, data: DataConfig) -> pd.Series:
    """Texts that say nothing become missing: the placeholders of data.missing_text_values ("N/A", "see
    file"), and text with no letter or digit at all (punctuation, zero-width or invisible characters)."""
    said = description.str.contains(SAYS_SOMETHING.pattern, regex=True).fillna(False).astype(bool)
    meaningless = ~said
    if data.missing_text_values:
        placeholder = description.str.casefold().isin([v.casefold() for v in data.missing_text_values])
        meaningless |= placeholder.fillna(False).astype(bool)
    return description.mask(meaningless & description.notna(), pd.NA)


def intake_frame(texts: Sequence[str], data: DataConfig, teams: Sequence[str | None] | None = None) -> pd.DataFrame:
    """Complaints typed in at intake (already strings) as the scorer's frame, cleaned as :func:`_as_text`
    and :func:`blank_meaningless` clean a file's, without a spreadsheet's column mapping and dates. Plain
    Python, not pandas string methods: a suggestion is one text, and those cost milliseconds per call."""
    placeholders = {value.casefold() for value in data.missing_text_values}

    def cleaned(value: str | None, meaningful: bool) -> str | None:
        text = value.strip() if isinstance(value, str) else None
        if not text or meaningful and (SAYS_SOMETHING.search(text) is None or text.casefold() in placeholders):
            return None
        return text

    described = [cleaned(text, True) for text in texts]
    named = [cleaned(team, False) for team in teams] if teams is not None else [None] * len(described)
    return pd.DataFrame(
        {
            SOURCE_ROW: range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(described)),
            "team": pd.array(named, dtype="string"),
            "description": pd.array(described, dtype="string"),
        }
    )


def _naive(parsed: pd.Series) -> pd.Series:
    """Dates with a time zone (an ISO date ending in Z or +01:00) as the plain UTC date; others as they are."""
    return parsed.dt.tz_convert(None) if getattr(parsed.dt, "tz", None) is not None else parsed


def _to_datetime(text: pd.Series, **options: object) -> pd.Series:
    return _naive(pd.to_datetime(text, errors="coerce", utc=True, **options))  # type: ignore[arg-type]


def parse_dates(series: pd.Series, dayfirst: bool, date_format: str | None = None) -> pd.Series:
    """Dates as exports hold them: ``date_format`` (data.date_format) when given; else year first
    (2014-04-03, 2014/4/3, 20140403, with or without a time and a time zone), day or month first as
    configured; or an Excel serial number (41732). A time zone is converted to UTC and dropped. Anything
    else becomes NaT."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return _naive(series).dt.normalize()
    text = _as_text(series)
    serial = text.str.fullmatch(r"\d{5}(?:\.\d+)?", na=False)
    compact = text.str.fullmatch(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])", na=False)
    year_first = text.str.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", na=False)
    parsed = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if serial.any():
        days = pd.to_numeric(text[serial])
        parsed[serial] = pd.to_datetime(days, unit="D", origin="1899-12-30", errors="coerce")
    if compact.any():
        parsed[compact] = _to_datetime(text[compact], format="%Y%m%d")
    rest = ~serial & ~compact
    if date_format is not None:
        if rest.any():
            parsed[rest] = _to_datetime(text[rest], format=date_format)
        return parsed.dt.normalize()
    if (year_first & rest).any():
        parsed[year_first & rest] = _to_datetime(text[year_first & rest], dayfirst=False, format="mixed")
    rest &= ~year_first
    if rest.any():
        parsed[rest] = _to_datetime(text[rest], dayfirst=dayfirst, format="mixed")
    return parsed.dt.normalize()


def dates_out_of_range(dates: pd.Series, earliest: str, today: date | None) -> pd.Series:
    """Why each date cannot be right (before ``earliest``, data.earliest_date, or after ``today``), else <NA>.
    ``today`` comes from the caller (the command line's clock); None checks only the earliest date."""
    why = pd.Series(pd.NA, index=dates.index, dtype="string")
    why = why.mask(dates < pd.Timestamp(earliest), f"before data.earliest_date ({earliest})")
    if today is not None:
        why = why.mask(dates > pd.Timestamp(today), f"after today ({today.isoformat()})")
    return why


# The statutory stages by name, as council systems spell them (case and punctuation aside).
STAGE_NAMES = {"local resolution": 1, "investigation": 2, "review panel": 3, "independent review": 3}
STAGE_WORDS = {"one": 1, "two": 2, "three": 3, "1": 1, "2": 2, "3": 3, "i": 1, "ii": 2, "iii": 3}


def spelling_key(spelling: str) -> str:
    """Case and runs of spaces do not make two spellings of a stage, team or outcome different."""
    return " ".join(spelling.casefold().split())


def one_spelling(names: pd.Series) -> pd.Series:
    """Spellings that differ only in case or spacing ("looked after children", "Looked After  Children")
    are one, written as its commonest spelling among ``names``."""
    key = names.map(spelling_key, na_action="ignore")
    counts = pd.DataFrame({"key": key, "name": names}).dropna().value_counts(sort=True)
    commonest = {k: name for (k, name) in counts.index[::-1]}  # the commonest is written last, so it wins
    return key.map(commonest).astype("string").where(names.notna(), pd.NA)


def parse_stages(values: pd.Series, aliases: Mapping[str, int]) -> tuple[pd.Series, dict[str, int]]:
    """Stage numbers (Int64) from an export's stage column, and every spelling that maps to no stage with
    its count. Read in order: ``aliases`` (any case), a stage number ("1", "Stage 2", "Stage 1 - Local
    Resolution", "stage one"), then a stage's name ("Investigation")."""
    text = _as_text(values)
    lookup = {spelling_key(spelling): stage for spelling, stage in aliases.items()}

    def stage_of(spelling: str) -> int | None:
        key = spelling_key(spelling)
        if key in lookup:
            return lookup[key]
        # "Stage 1 - Local Resolution", "Formal stage 1": the number after the word stage, anywhere.
        number = re.fullmatch(r"(?:stage\s*)?(\d+|one|two|three|i{1,3})(?:\.0)?", key) or re.search(
            r"\bstage\s*(\d|one|two|three|i{1,3})\b", key
        )
        if number and number.group(1) in STAGE_WORDS:
            return STAGE_WORDS[number.group(1)]
        return next((stage for name, stage in STAGE_NAMES.items() if name in key), None)

    distinct = {spelling: stage_of(spelling) for spelling in text.dropna().unique()}
    stages = text.map(distinct, na_action="ignore").astype("Int64")
    unmapped = text[text.notna() & stages.isna()].value_counts()
    return stages, {str(spelling): int(count) for spelling, count in unmapped.items()}


def financial_year(dates: pd.Series) -> pd.Series:
    """April-to-March financial year label, e.g. 2014-03-31 -> '2013/14'."""
    # Int64 throughout: with a missing date, .dt.year is float and would print as "2013.0".
    start = dates.dt.year.astype("Int64") - (dates.dt.month < 4).astype("Int64")
    labels = start.astype("string") + "/" + ((start + 1) % 100).astype("string").str.zfill(2)
    return labels.where(dates.notna(), pd.NA).astype("string")


def set_aside(frame: pd.DataFrame, mask: pd.Series, code: str, reason: pd.Series | str) -> pd.DataFrame:
    """The rows under ``mask`` as a record of what was not used: row number, reference, reason code, reason."""
    rows = frame.loc[mask, [SOURCE_ROW, "complaint_ref"]].copy()
    rows["reason_code"] = code
    rows["reason"] = reason[mask] if isinstance(reason, pd.Series) else reason
    return rows


def _describe_rows(rows: pd.Series, limit: int = 20) -> str:
    numbers = [str(n) for n in rows.tolist()]
    shown = ", ".join(numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def theme_id_from_column(column: str) -> str:
    """A theme id from a one-hot column's name: 'Staff manner & personal attributes' -> 'staff_manner_personal_attributes'."""
    return re.sub(r"[^a-z0-9]+", "_", column.strip().lower()).strip("_") or "theme"


def one_hot_theme_columns(raw: pd.DataFrame, data: DataConfig, themes: ThemesConfig) -> dict[str, str]:
    """Theme id -> column of a one-hot export (explicitly mapped, or every column not excluded or used)."""
    if themes.one_hot_columns:
        missing = [column for column in themes.one_hot_columns.values() if column not in raw.columns]
        if missing:
            raise DataContractError(
                f"themes.one_hot_columns names column(s) the file does not have: {', '.join(missing)}. "
                f"Columns found: {', '.join(map(str, raw.columns))}."
            )
        return dict(themes.one_hot_columns)
    used = set(data.columns.values()) | set(themes.one_hot_exclude)
    return {theme_id_from_column(str(column)): str(column) for column in raw.columns if column not in used}


def _one_hot_to_ids(raw: pd.DataFrame, columns: Mapping[str, str], separator: str) -> pd.Series:
    flags = {
        theme_id: pd.to_numeric(raw[column], errors="coerce").fillna(0).to_numpy() > 0
        for theme_id, column in columns.items()
    }
    ids = [separator.join(t for t, on in flags.items() if on[row]) for row in range(len(raw))]
    return pd.Series(ids, index=raw.index, dtype="string")


def theme_sets(themes: pd.Series, separator: str = ";") -> list[frozenset[str]]:
    """Theme ids per row from a column of ids joined by ``separator`` (empty or missing: no themes)."""
    return [
        frozenset()
        if pd.isna(value)
        else frozenset(part.strip() for part in str(value).split(separator) if part.strip())
        for value in themes.astype(object)
    ]


def theme_matrix(sets: Sequence[frozenset[str] | set[str]], theme_ids: Sequence[str]) -> np.ndarray:
    """0/1 matrix (rows x themes) from theme-id sets, columns in ``theme_ids`` order."""
    return np.array([[theme_id in row for theme_id in theme_ids] for row in sets], dtype=int).reshape(
        len(sets), len(theme_ids)
    )


def validate(
    raw: pd.DataFrame,
    data: DataConfig,
    labels: LabelsConfig,
    purpose: Purpose = "train",
    need_dates: bool = False,
    *,
    require_category: bool = True,
    themes: ThemesConfig | None = None,
    source_rows: np.ndarray | None = None,
    today: date | None = None,
) -> Validated:
    """Check a raw export against the contract and return usable rows plus rejected rows with reasons.

    ``purpose="train"`` needs text and (unless ``require_category`` is False) a recognised category;
    ``purpose="score"`` needs text only (rows with empty text are kept, so the scorer can account
    for them). With ``themes`` configured for one-hot labels, the 0/1 columns become one ``themes``
    column of ids joined by the separator. ``source_rows`` numbers the rows of one chunk of a larger
    file (default: from :func:`first_data_row` on, as a spreadsheet shows them). ``today`` (the caller's
    clock) makes a date after it a typing error, as one before data.earliest_date is.

    For any purpose, a repeated header row and a description longer than data.max_text_chars (unless
    data.long_text is truncate) are set aside, and rows the reader could not read (``raw.attrs``) join them.
    """
    first = first_data_row(raw)
    theme_columns: dict[str, str] = {}
    if themes is not None and themes.enabled and themes.labels == "one_hot" and purpose == "train":
        theme_columns = one_hot_theme_columns(raw, data, themes)
        raw = raw.assign(**{"__themes": _one_hot_to_ids(raw, theme_columns, themes.separator)})
        data = replace(data, columns={**data.columns, "themes": "__themes"})
    required = _required_columns(purpose, need_dates)
    if not require_category:
        required = tuple(column for column in required if column != "category")
    frame = _rename(raw, data.columns, required)
    if source_rows is None and "source_rows" in raw.attrs and len(raw.attrs["source_rows"]) == len(raw):
        source_rows = raw.attrs["source_rows"]  # as the reader numbered them (rows it could not read left out)
    numbers = pd.RangeIndex(first, first + len(frame)) if source_rows is None else source_rows
    frame.insert(0, SOURCE_ROW, numbers)
    frame = frame.reset_index(drop=True)

    for column in (
        "complaint_ref",
        "team",
        "complainant_type",
        "description",
        "themes",
        "outcome",
        "financial_year",
        "group",
    ):
        frame[column] = _as_text(frame[column])
    frame["complaint_ref"] = frame["complaint_ref"].fillna("row " + frame[SOURCE_ROW].astype("string"))
    unmapped: dict[str, dict[str, int]] = {}
    header = _repeated_header(frame, data.columns)
    date_problems: dict[str, pd.Series] = {}
    for column in ("date_received", "date_responded"):
        written = _as_text(frame[column])
        parsed = parse_dates(frame[column], data.date_dayfirst, data.date_format)
        wrong = dates_out_of_range(parsed, data.earliest_date, today)
        frame[column] = parsed.mask(wrong.notna())
        lost = written.notna() & frame[column].isna() & ~header
        date_problems[column] = (column + " '" + written + "' is " + wrong.fillna("not a date")).where(lost)
        shown = (written + " (" + wrong + ")").fillna(written)
        unmapped[column] = {str(k): int(v) for k, v in shown[lost].value_counts().items()}
    if "team" in data.columns:
        unmapped["team"] = {"(empty)": int(frame["team"].isna().sum())} if frame["team"].isna().any() else {}
    frame["financial_year"] = frame["financial_year"].fillna(financial_year(frame["date_received"]))
    frame["stage"], unmapped["stage"] = parse_stages(frame["stage"], data.stage_aliases)
    frame["extension_agreed"] = _as_text(frame["extension_agreed"]).str.lower().isin(["true", "yes", "y", "1"])

    rejected: list[pd.DataFrame] = []
    aliased: dict[str, int] = {}
    keep = ~header
    rejected.append(
        set_aside(frame, header, "repeated_header", "a repeated header row (the column names again, not a complaint)")
    )
    length = frame["description"].str.len().fillna(0)
    too_long = (length > data.max_text_chars) & keep
    if data.long_text == "truncate":
        frame["text_truncated"] = too_long.astype(bool)
        frame["description"] = frame["description"].where(~too_long, frame["description"].str[: data.max_text_chars])
    else:
        reason = (
            "the description is "
            + length.astype("int64").map("{:,}".format).astype("string")
            + f" characters, more than data.max_text_chars ({data.max_text_chars:,}); shorten it, or set "
            "data.long_text to truncate"
        )
        rejected.append(set_aside(frame, too_long, "text_too_long", reason))
        keep &= ~too_long
    frame["description"] = blank_meaningless(frame["description"], data)
    if purpose == "train":
        empty = frame["description"].isna()
        rejected.append(set_aside(frame, empty, "empty_description", "the complaint description is empty"))
        keep &= ~empty

        lookup = build_label_lookup(labels)
        recorded = _as_text(frame["category"])
        normalised = recorded.map(lambda label: normalise_label(label, lookup)).astype("string")
        if require_category:
            no_label = recorded.isna() & keep
            rejected.append(set_aside(frame, no_label, "missing_category", "no category recorded"))
            keep &= ~no_label
        unknown = normalised.isna() & recorded.notna() & keep
        if unknown.any():
            reason = "category '" + recorded + "' is not a known category or alias (add it to labels.aliases)"
            if labels.unknown == "error":
                listing = "; ".join(
                    f"'{label}' in rows {_describe_rows(group[SOURCE_ROW])}"
                    for label, group in frame[unknown].assign(label=recorded[unknown]).groupby("label")
                )
                raise DataContractError(
                    f"Unknown category label(s): {listing}. Add each spelling to labels.aliases in the params file "
                    "(or correct the file). Nothing was written."
                )
            rejected.append(set_aside(frame, unknown, "unknown_category", reason))
            keep &= ~unknown
            unmapped["category"] = {str(k): int(v) for k, v in recorded[unknown].value_counts().items()}
        changed = recorded.notna() & normalised.notna() & (recorded != normalised) & keep
        aliased = {str(k): int(v) for k, v in recorded[changed].value_counts().items()}
        frame["category"] = normalised
        if need_dates:
            undated = frame["date_received"].isna() & keep
            reason = (date_problems["date_received"] + ", so the year is unknown").fillna(
                "date_received is empty, so the year is unknown"
            )
            rejected.append(set_aside(frame, undated, "bad_date", reason))
            keep &= ~undated
    else:
        frame["category"] = _as_text(frame["category"])

    unreadable = _unreadable(raw)
    rejected_rows = pd.concat(rejected, ignore_index=True) if rejected else set_aside(frame, ~keep, "", "")
    if len(unreadable):
        rejected_rows = pd.concat([unreadable, rejected_rows], ignore_index=True).sort_values(
            SOURCE_ROW, ignore_index=True
        )
    return Validated(
        frame=frame[keep].reset_index(drop=True),
        rejected=rejected_rows,
        rows_in=len(raw) + len(unreadable),
        labels_aliased=aliased,
        theme_columns=theme_columns,
        unmapped={column: counts for column, counts in unmapped.items() if counts},
        dates_read_as=dates_read_as(data),
    )


def dates_read_as(data: DataConfig) -> str:
    """How dates are read, in words: the format given, else day or month first for dd/mm and mm/dd."""
    if data.date_format:
        return f"as data.date_format {data.date_format}"
    order = "day first (07/04/2014 is 7 April)" if data.date_dayfirst else "month first (04/07/2014 is 7 April)"
    return f"{order}; year-first dates (2014-04-07, 20140407) as written"


def _repeated_header(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.Series:
    """Rows that repeat the column names (two exports pasted one under the other): at least two of the
    mapped columns (one, when only one is filled) hold their own column name."""
    matches = pd.DataFrame(
        {
            ours: frame[ours].astype("string").str.strip().str.casefold() == str(theirs).strip().casefold()
            for ours, theirs in columns.items()
            if ours in frame.columns
        }
    ).fillna(False)
    if matches.empty:
        return pd.Series(False, index=frame.index)
    hits = matches.sum(axis=1)
    filled = frame[list(matches.columns)].notna().sum(axis=1)
    return ((hits >= 2) | ((hits == 1) & (filled == 1))).astype(bool)


def _unreadable(raw: pd.DataFrame) -> pd.DataFrame:
    """The rows the reader could not read (``raw.attrs["unreadable"]``) as rejected rows."""
    found = raw.attrs.get("unreadable")
    if found is None or not len(found):
        return pd.DataFrame(columns=[SOURCE_ROW, "complaint_ref", "reason_code", "reason"])
    return pd.DataFrame(
        {
            SOURCE_ROW: found["source_row"].to_numpy(),
            "complaint_ref": ("row " + found["source_row"].astype("string")).to_numpy(),
            "reason_code": "unreadable",
            "reason": found["reason"].to_numpy(),
        }
    )


def validate_for_training(raw: pd.DataFrame, params: Params, today: date | None = None) -> Validated:
    """:func:`validate` as training runs it: dates needed when the split is by time, a category needed
    when the category model is trained, theme labels read as the themes section says."""
    return validate(
        raw,
        params.data,
        params.labels,
        purpose="train",
        need_dates=params.prepare.split == "time",
        require_category=params.train.enabled,
        themes=params.themes,
        today=today,
    )
