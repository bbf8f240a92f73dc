import numpy as np
import pandas as pd

from pipeline.score import score


class FixedModel:
    """A stand-in with the fitted-pipeline interface: probabilities depend on the text length."""

    classes_ = np.array(["Delay/Failed Service", "Other", "Staff Attitude/Conduct"], dtype=object)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        rows = []
        for text in frame["description"]:
            rows.append([0.7, 0.1, 0.2] if "late" in text else [0.3, 0.35, 0.35])
        return np.array(rows)


def frame(texts: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": range(2, len(texts) + 2),
            "complaint_ref": [f"R{i}" for i in range(len(texts))],
            "team": "Family Support",
            "description": pd.array(texts, dtype="string"),
        }
    )


def test_every_row_comes_out_in_order(params):
    texts = ["The visit was late again and again.", None, "Nobody answers the phone at all.", "", "late late"]
    scored = score(FixedModel(), frame(texts), params, "v1", explain=False)
    assert scored["complaint_ref"].tolist() == ["R0", "R1", "R2", "R3", "R4"]
    assert scored["needs_review"].tolist() == [False, True, True, True, True]
    assert scored["review_reason"].tolist()[1] == "empty description"
    assert scored["review_reason"].tolist()[2].startswith("confidence 0.35 below")
    assert scored["review_reason"].tolist()[4].startswith("very short")


def test_top_three_are_ordered_with_probabilities(params):
    scored = score(FixedModel(), frame(["The visit was late again and again."]), params, "v1", explain=False)
    row = scored.iloc[0]
    assert [row.suggestion_1, row.suggestion_2, row.suggestion_3] == [
        "Delay/Failed Service",
        "Staff Attitude/Conduct",
        "Other",
    ]
    assert row.probability_1 == row.probability == 0.7 and row.probability_3 == 0.1
    assert row.model_version == "v1"


def test_score_does_not_mutate_its_input(params):
    data = frame(["The visit was late again and again."])
    before = data.copy()
    score(FixedModel(), data, params, "v1", explain=False)
    pd.testing.assert_frame_equal(data, before)
