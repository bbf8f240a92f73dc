"""Reading what a command is given: a records export, a prepared split, a scored file, a year of one,
and the taxonomy and published figures beside them.

Every function here reads a file through :mod:`pipeline.data.files` and validates it against the
params' columns and labels, so each command starts from validated rows with every other row
accounted for. Writing stays with :mod:`pipeline.data.files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import CANONICAL_COLUMNS, DataConfig, Params, ThemesConfig
from pipeline.data import files
from pipeline.data.prepare import Prepared
from pipeline.data.schema import SOURCE_ROW, DataContractError, Validated, validate, validate_for_training
from pipeline.data.scored import split_scored
from pipeline.data.taxonomy import Taxonomy
from pipeline.defaults import THEMES_NAME, default_file

PREPARED_TRAIN, PREPARED_HOLDOUT, PREPARED_SUMMARY, DATA_ISSUES = (
    "train.csv",
    "holdout.csv",
    "prepare.json",
    "data_issues.csv",
)


def data_issues(validated: Validated, prepared: Prepared) -> pd.DataFrame:
    """Every row not used for training, with its row number and reason, in file order."""
    return pd.concat([validated.rejected, prepared.excluded], ignore_index=True).sort_values(SOURCE_ROW)


def _read(path: Path, params: Params) -> pd.DataFrame:
    """An export as the params say to read it (sheet, header row, the longest text)."""
    return files.read_table(path, params.data.sheet, params.data.header_row, params.data.max_text_chars)


def read_training_file(path: Path, params: Params, today: date | None = None) -> Validated:
    """A labelled export, validated for training (dates needed when the split is by time).

    An error names the file, so a retrain over several years says which one is wrong.
    """
    try:
        return validate_for_training(_read(path, params), params, today)
    except DataContractError as error:
        raise DataContractError(f"{Path(path).name}: {error}") from error


def read_years(
    new_year: Path, history: Sequence[Path], params: Params, today: date | None = None
) -> tuple[Validated, dict[str, Validated]]:
    """A retrain's files validated for training: the new year's, and each history file's by its name."""
    if len({path.name for path in history}) < len(history):
        raise DataContractError("Two --history files share a name; give each year's file its own name.")
    latest = read_training_file(new_year, params, today)
    return latest, {path.name: read_training_file(path, params, today) for path in history}


def read_taxonomy(themes: ThemesConfig) -> Taxonomy | None:
    """The themes file when themes are on (themes.taxonomy_file, or the packaged one when that is null),
    else None. A file that is named but missing is an error, never a quiet fallback to the packaged one."""
    if not themes.enabled:
        return None
    return files.read_taxonomy(themes.taxonomy_file or default_file(THEMES_NAME))


def read_report_references(
    themes: ThemesConfig, published_file: str | None
) -> tuple[Taxonomy | None, dict[str, Any] | None]:
    """What a report reads besides the records: the taxonomy that names the themes (None when themes are
    off) and the published tables to reconcile with (None without ``published_file``)."""
    return read_taxonomy(themes), files.read_yaml(published_file) if published_file else None


def training_file(params: Params, given: Path | None) -> Path:
    """The export to train on: the one given, else data.train_file, which must then exist."""
    if given is not None:
        return given
    path = Path(params.data.train_file)
    if not path.is_file():
        configs = sorted(str(found) for found in Path.cwd().glob("*.yaml") if found.name != "themes.yaml")
        hint = f" (here: {', '.join(configs)})" if configs else ""
        raise files.InputFileError(
            f"No file to train on: data.train_file is {path}, which is not in {Path.cwd()}. Give your config with "
            f"--params{hint}, or name your export with --data FILE; complaints init FILE writes a config that "
            "names it."
        )
    return path


def read_training_input(
    params: Params, data: Path | None, prepared_dir: Path | None, today: date | None = None
) -> tuple[Path, Validated, Prepared | None]:
    """What ``complaints train`` learns from, and the file it came from: the split ``complaints prepare``
    wrote in ``prepared_dir``, else ``data`` (default data.train_file), validated and not yet split."""
    if prepared_dir is not None:
        return prepared_dir / PREPARED_TRAIN, *read_prepared(prepared_dir, params)
    data_file = training_file(params, data)
    return data_file, read_training_file(data_file, params, today), None


def _own_columns(data: DataConfig, frame: pd.DataFrame) -> DataConfig:
    """Data settings for a file this project wrote: its columns carry our own names."""
    return replace(data, columns={column: column for column in frame.columns if column in CANONICAL_COLUMNS})


def read_labelled(path: Path, params: Params) -> Validated:
    """Labelled records from an export (the params' column names), or from ``complaints prepare``
    (ours), keeping the prepared file's original row numbers."""
    raw = files.read_table(path, params.data.sheet, params.data.header_row)
    if SOURCE_ROW not in raw.columns:
        return validate(raw, params.data, params.labels, purpose="train")
    themes = replace(params.themes, labels="column") if params.themes.labels == "one_hot" else params.themes
    validated = validate(
        raw, _own_columns(params.data, raw), params.labels, purpose="train", require_category=False, themes=themes
    )
    original = pd.to_numeric(raw[SOURCE_ROW], errors="coerce").to_numpy()
    return replace(validated, frame=validated.frame.assign(source_row=original[validated.frame[SOURCE_ROW] - 2]))


def write_prepared(validated: Validated, prepared: Prepared, data_file: Path, folder: Path) -> list[Path]:
    """The split ``complaints prepare`` writes: train.csv, holdout.csv, the rows not used and a summary."""
    columns = [SOURCE_ROW, *CANONICAL_COLUMNS]
    return [
        files.write_table(prepared.train[columns], folder / PREPARED_TRAIN),
        files.write_table(prepared.holdout[columns], folder / PREPARED_HOLDOUT),
        files.write_table(data_issues(validated, prepared), folder / DATA_ISSUES),
        files.write_json(
            {"file": data_file.name, **validated.summary(), **prepared.summary()}, folder / PREPARED_SUMMARY
        ),
    ]


def read_prepared(folder: Path, params: Params) -> tuple[Validated, Prepared]:
    """The split ``complaints prepare`` wrote: (validated rows, the split itself)."""
    summary_file = folder / PREPARED_SUMMARY
    if not summary_file.is_file():
        raise files.InputFileError(
            f"{folder} holds no prepared split ({PREPARED_SUMMARY} is missing): run complaints prepare."
        )
    summary = files.read_json(summary_file)
    train_rows = read_labelled(folder / PREPARED_TRAIN, params)
    holdout_rows = read_labelled(folder / PREPARED_HOLDOUT, params)
    issues = files.read_table(folder / DATA_ISSUES) if (folder / DATA_ISSUES).is_file() else pd.DataFrame()
    validated = Validated(
        frame=pd.concat([train_rows.frame, holdout_rows.frame], ignore_index=True),
        rejected=pd.concat([train_rows.rejected, holdout_rows.rejected, issues], ignore_index=True),
        rows_in=int(summary.get("rows_in", len(train_rows.frame) + len(holdout_rows.frame))),
    )
    prepared = Prepared(
        train=train_rows.frame,
        holdout=holdout_rows.frame,
        excluded=pd.DataFrame(columns=[SOURCE_ROW, "complaint_ref", "reason_code", "reason"]),
        holdout_name=str(summary["holdout"]),
    )
    return validated, prepared


@dataclass(frozen=True)
class RecordsFile:
    """A file of complaint records as a report or drift comparison reads it.

    For a file written by ``complaints score``, ``predictions`` holds its suggestion columns (one row
    per record, under their own names) and ``versions`` the models that scored it.
    """

    validated: Validated
    rows_in: int
    predictions: pd.DataFrame | None = None
    versions: tuple[str, ...] = ()

    @property
    def scored(self) -> bool:
        return self.predictions is not None


def _earlier_scored_file(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """A file written by ``complaints score`` before it kept the input's columns -> (its records, with
    our column names and no text; its predictions). None when ``raw`` is not such a file."""
    if "predicted_category" not in raw.columns:
        return None
    records = raw.drop(columns=[c for c in ("themes", "category", "description") if c in raw.columns])
    return records.assign(description=pd.NA), raw


def _scored_records(raw: pd.DataFrame, params: Params) -> tuple[Validated, pd.DataFrame] | None:
    """A scored file's records and suggestions, one row each; None when ``raw`` is not a scored file.

    A file in the layout of :mod:`pipeline.data.scored` holds the input's own columns, read through the
    params' columns as any export is (so with its text), numbered by the rows of the file that was
    scored; an earlier scored file holds our column names and no text.
    """
    layout = split_scored(raw)
    if layout is not None:
        records, predictions = layout
        numbers = pd.to_numeric(predictions[SOURCE_ROW], errors="coerce")
        rows = numbers.astype("int64").to_numpy() if numbers.notna().all() else None
        return validate(records, params.data, params.labels, purpose="score", source_rows=rows), predictions
    earlier = _earlier_scored_file(raw)
    if earlier is None:
        return None
    records, predictions = earlier
    return validate(records, _own_columns(params.data, records), params.labels, purpose="score"), predictions


def read_records(path: Path, params: Params, with_themes: bool = False, today: date | None = None) -> RecordsFile:
    """Records for a report or a drift period: an export or a file from ``complaints score`` (whose
    suggestions come as ``predictions``).

    ``with_themes``: an export's theme labels are read too (as training reads them), with or without
    a recorded category.
    """
    raw = _read(path, params)
    scored = _scored_records(raw, params)
    if scored is None:
        if with_themes:
            validated = validate(
                raw,
                params.data,
                params.labels,
                purpose="train",
                require_category=False,
                themes=params.themes,
                today=today,
            )
        else:
            validated = validate(raw, params.data, params.labels, purpose="score", today=today)
        return RecordsFile(validated, validated.rows_in)
    validated, predictions = scored
    versions = sorted(
        {
            str(value)
            for column in ("model_version", "themes_model_version")
            if column in predictions
            for value in predictions[column].dropna()
        }
    )
    return RecordsFile(validated, len(raw), predictions, tuple(versions))
