"""Which suggestions a report shows: a scored file's own, the models' for an export, or none."""

import pandas as pd

from pipeline.data.inputs import RecordsFile
from pipeline.data.schema import Validated
from pipeline.report.build import Suggestions
from pipeline.serving import models

RECORDS = pd.DataFrame({"complaint_ref": ["A1", "A2"]})


def records_file(predictions: pd.DataFrame | None = None, versions: tuple[str, ...] = ()) -> RecordsFile:
    validated = Validated(frame=RECORDS, rejected=pd.DataFrame(), rows_in=2)
    return RecordsFile(validated, 2, predictions, versions)


def test_a_scored_file_keeps_its_own_suggestions_and_no_model_is_loaded(params, monkeypatch):
    monkeypatch.setattr(models, "predicted_labels", lambda *args: (_ for _ in ()).throw(AssertionError("loaded")))
    scored = pd.DataFrame({"predicted_category": ["Other", "About Policy"]})
    found = records_file(scored, ("complaints-category v1",))
    for labels in ("predicted", "both", "recorded"):
        suggestions = models.report_suggestions(params, found, labels)
        assert suggestions.predictions is scored and list(suggestions.versions) == ["complaints-category v1"]
        assert suggestions.threshold is None


def test_an_export_is_scored_only_when_suggested_labels_are_shown(params, monkeypatch):
    calls = []

    def predicted_labels(params, frame, model, themes_model):
        calls.append((frame, model, themes_model))
        return pd.DataFrame({"predicted_category": ["Other", "Other"]}), ["complaints-category v3"], 0.55

    monkeypatch.setattr(models, "predicted_labels", predicted_labels)
    assert models.report_suggestions(params, records_file(), "recorded") == Suggestions(None, [], None)
    assert calls == []
    suggestions = models.report_suggestions(params, records_file(), "both", "models/category", "models/themes")
    assert suggestions.versions == ["complaints-category v3"] and suggestions.threshold == 0.55
    assert len(suggestions.predictions) == 2
    [(frame, model, themes_model)] = calls
    assert frame is RECORDS and (model, themes_model) == ("models/category", "models/themes")
