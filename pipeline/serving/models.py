"""Which models score: the category model and, unless switched off, the theme model; and which of the
models' suggestions a report shows."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.config import Params
from pipeline.data.files import InputFileError
from pipeline.lifecycle.tracking import RegistryError, load_model
from pipeline.serving.score import Scorers, score

if TYPE_CHECKING:  # only `complaints report` needs these: scoring and suggest start without them
    from pipeline.data.inputs import RecordsFile
    from pipeline.report.build import Suggestions

log = logging.getLogger(__name__)


def load_scorers(params: Params, model: str | None = None, themes_model: str | None = None) -> Scorers:
    """The models named on the command line, or else in ``score.model`` and ``score.themes_model``.

    A theme model named on the command line must load; the default one may be missing (a council
    that has not trained themes yet), and then categories are scored alone, with a warning.
    """
    category = load_model(params.tracking, model or params.score.model)
    reference = themes_model or params.score.themes_model
    if not params.themes.enabled or not reference:
        return Scorers(category)
    try:
        themes = load_model(params.tracking, reference)
    except (RegistryError, InputFileError) as error:
        if themes_model:
            raise
        log.warning("No theme model (%s): scoring categories only.", error)
        return Scorers(category)
    return Scorers(category, themes)


def predicted_labels(
    params: Params, frame: pd.DataFrame, model: str | None = None, themes_model: str | None = None
) -> tuple[pd.DataFrame, list[str], float]:
    """The models' labels for validated records (for a report of predicted labels): the scored rows,
    the versions of the models that scored them, and the category model's suggestion threshold."""
    scorers = load_scorers(params, model, themes_model)
    scored = score(scorers, frame, params, explain=False)
    versions = [loaded.version for loaded in (scorers.category, scorers.themes) if loaded is not None]
    return scored, versions, scorers.category.suggestion_threshold


def report_suggestions(
    params: Params, found: RecordsFile, labels: str, model: str | None = None, themes_model: str | None = None
) -> Suggestions:
    """The suggestions a report of ``labels`` (recorded, predicted or both) shows: a scored file's own,
    else the models' for the records unless only the recorded labels are shown."""
    from pipeline.report.build import Suggestions

    if labels == "recorded" or found.scored:
        return Suggestions(found.predictions, list(found.versions))
    return Suggestions(*predicted_labels(params, found.validated.frame, model, themes_model))
