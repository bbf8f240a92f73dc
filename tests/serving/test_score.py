"""Scoring keeps every row and its order, flags what needs review, and is the same in chunks."""

import numpy as np
import pandas as pd

from pipeline.modelling.contract import LoadedModel
from pipeline.serving.score import Scorers, score
from tests.conftest import loaded_category


def frame(texts: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": range(2, len(texts) + 2),
            "complaint_ref": [f"R{i}" for i in range(len(texts))],
            "team": "Family Support",
            "description": pd.array(texts, dtype="string"),
        }
    )


TEXTS = [
    "The visit was late again and the plan is still delayed.",
    None,
    "The social worker was rude and shouted at my son on the phone.",
    "",
    "late visit",
    "Zorblax quintessential flibbertigibbet marmalade xylophone.",
    "They shared my address with my ex partner without consent.",
]


def test_every_row_comes_out_in_order_with_a_review_reason(tiny_params, tiny_category, tiny_category_model):
    scored = score(Scorers(tiny_category), frame(TEXTS), tiny_params)
    assert scored["complaint_ref"].tolist() == [f"R{i}" for i in range(len(TEXTS))]
    reasons = scored["review_reason"].tolist()
    assert reasons[1] == reasons[3] == "empty description"
    assert reasons[4].startswith("very short")
    assert reasons[5].startswith("text unlike the training complaints (only 0% of its words")
    assert scored["needs_review"].tolist() == [reason != "" for reason in reasons]
    assert scored["model_version"].eq("v1").all()


def test_low_confidence_needs_review_at_the_models_own_threshold(tiny_params, tiny_category, tiny_category_model):
    strict = Scorers(loaded_category(tiny_category_model, threshold=0.99))
    scored = score(strict, frame(["The worker was late and rude about my address."]), tiny_params)
    assert (
        scored.loc[0, "review_reason"].startswith("confidence ")
        and "below the suggestion threshold 0.99" in (scored.loc[0, "review_reason"])
    )


def test_top_three_are_the_models_probabilities_in_order(tiny_params, tiny_category, tiny_category_model):
    scored = score(Scorers(tiny_category), frame(TEXTS[:1]), tiny_params, explain=False)
    expected = tiny_category_model.predict_proba(pd.DataFrame({"description": TEXTS[:1]}))[0]
    order = np.argsort(-expected)
    row = scored.iloc[0]
    assert [row.suggestion_1, row.suggestion_2, row.suggestion_3] == list(tiny_category_model.classes_[order])
    np.testing.assert_allclose([row.probability_1, row.probability_2, row.probability_3], expected[order], atol=1e-4)
    assert row.predicted_category == "Delay/Failed Service"


def test_explanations_change_nothing_but_add_the_words(
    tiny_params, tiny_category, tiny_category_model, tiny_themes, tiny_scorers
):
    plain = score(tiny_scorers, frame(TEXTS), tiny_params, explain=False)
    explained = score(tiny_scorers, frame(TEXTS), tiny_params, explain=True)
    pd.testing.assert_frame_equal(plain, explained[plain.columns])
    assert {"category_terms", "theme_terms", "theme_patterns"} <= set(explained.columns) - set(plain.columns)
    assert explained.loc[0, "theme_terms"].startswith("delay: ")
    assert "late" in explained.loc[0, "category_terms"] or "delayed" in explained.loc[0, "category_terms"]


def test_shared_features_give_the_theme_models_own_probabilities(
    tiny_params, tiny_category, tiny_category_model, tiny_themes, tiny_scorers
):
    scored = score(tiny_scorers, frame(TEXTS[:1] + TEXTS[2:3]), tiny_params)
    own = tiny_themes.predict_proba(pd.DataFrame({"description": [TEXTS[0], TEXTS[2]]}))
    for row, probabilities in enumerate(own):
        expected = "; ".join(
            f"{tiny_themes.labels[k]}={probabilities[k]:.2f}"
            for k in np.argsort(-probabilities)
            if probabilities[k] >= 0.3
        )
        assert scored.loc[row, "theme_probabilities"] == expected
    assert scored.loc[0, "themes"].startswith("delay") and scored.loc[1, "themes"].startswith("staff_attitude")


def test_chunks_give_the_same_result_as_one_batch(
    tiny_params, tiny_category, tiny_category_model, tiny_themes, tiny_scorers
):
    whole = score(tiny_scorers, frame(TEXTS), tiny_params)
    parts = [
        score(tiny_scorers, frame(TEXTS).iloc[start : start + 3], tiny_params) for start in range(0, len(TEXTS), 3)
    ]
    pd.testing.assert_frame_equal(whole, pd.concat(parts, ignore_index=True))


def test_score_does_not_mutate_its_input(tiny_params, tiny_category, tiny_category_model):
    data = frame(TEXTS)
    before = data.copy()
    score(Scorers(tiny_category), data, tiny_params)
    pd.testing.assert_frame_equal(data, before)


def test_theme_columns_name_the_themes_as_well_as_their_ids(tiny_params, tiny_scorers):
    scored = score(tiny_scorers, frame(TEXTS[:1]), tiny_params)
    assert scored.loc[0, "themes"].split(";")[0] == "delay" and scored.loc[0, "theme_names"].split("; ")[0] == "Delay"


def test_a_non_linear_model_scores_with_or_without_explanations(tiny_params, tiny_training_frame):
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.pipeline import Pipeline

    from pipeline.modelling.features import build_text_features

    boosted = Pipeline(
        [
            ("features", build_text_features(tiny_params.features, tiny_params.text)),
            ("classifier", GradientBoostingClassifier(n_estimators=20, random_state=0)),
        ]
    ).fit(tiny_training_frame[["description"]], tiny_training_frame["category"].to_numpy())
    scorers = Scorers(loaded_category(boosted, threshold=0.0))
    plain = score(scorers, frame(TEXTS), tiny_params, explain=False)
    explained = score(scorers, frame(TEXTS), tiny_params, explain=True)
    expected = boosted.predict_proba(pd.DataFrame({"description": [TEXTS[0]]}))[0]
    assert plain.loc[0, "probability_1"] == round(float(expected.max()), 4)
    pd.testing.assert_frame_equal(plain, explained[plain.columns])
    assert explained.loc[0, "category_terms"] == "(no explanation for this kind of model)"


def test_a_theme_training_could_not_promise_is_shown_apart_as_possible(tiny_params, tiny_category, tiny_themes):
    themes = [
        {"id": "delay", "name": "Delay", "threshold": 0.3, "possible_threshold": 0.2},
        {"id": "staff_attitude", "name": "Staff attitude", "threshold": None, "possible_threshold": 0.3},
    ]
    cautious = Scorers(tiny_category, LoadedModel(tiny_themes.estimator, {"themes": themes}, "t2"))
    scored = score(cautious, frame(TEXTS[:1] + TEXTS[2:3]), tiny_params, explain=False)
    assert scored.loc[0, "themes"].startswith("delay")
    # Rude staff: never assigned, whatever its probability, but listed apart.
    assert "staff_attitude" not in scored.loc[1, "themes"].split(";")
    assert scored.loc[1, "possible_themes"].split(";")[0] == "staff_attitude"
    for assigned, possible in zip(scored["themes"], scored["possible_themes"], strict=True):
        assert not set(assigned.split(";")) & set(possible.split(";")) - {""}
    # Each possible theme carries its probability, at or over the threshold for showing it.
    shown = dict(part.split("=") for part in scored.loc[1, "possible_theme_probabilities"].split("; "))
    assert list(shown) == scored.loc[1, "possible_themes"].split(";")
    assert float(shown["staff_attitude"]) >= 0.3
