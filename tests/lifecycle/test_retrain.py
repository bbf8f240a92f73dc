"""Retraining on a new year: combining years, label changes between years, and the two-model comparison."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pipeline.data.schema import DataContractError, Validated
from pipeline.lifecycle.promotion import decide_promotion, promotion_decision
from pipeline.lifecycle.retrain import combine_years, compare_categories, compare_themes, label_changes
from pipeline.lifecycle.tracking import Registered
from pipeline.modelling.contract import LoadedModel
from pipeline.modelling.model import build_category_model, build_theme_model
from tests.conftest import loaded_category


def join(new: pd.DataFrame, history: dict[str, pd.DataFrame], new_file: str):
    """combine_years on frames that passed validation whole."""

    def whole(frame: pd.DataFrame) -> Validated:
        return Validated(frame=frame, rejected=pd.DataFrame(columns=["source_row", "reason"]), rows_in=len(frame))

    return combine_years(whole(new), {name: whole(frame) for name, frame in history.items()}, new_file)[1]


def records(year: str, refs: list[str], categories: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": range(2, len(refs) + 2),
            "complaint_ref": refs,
            "financial_year": year,
            "category": categories or ["Other"] * len(refs),
        }
    )


def test_the_new_year_joins_the_history_and_a_repeated_reference_keeps_its_latest_version():
    history = {"2013.csv": records("2013/14", ["A", "B"]), "2014.csv": records("2014/15", ["C", "D"])}
    new = records("2015/16", ["E", "B"])
    before = new.copy()
    combined = join(new, history, "2015.csv")
    assert combined.new_year == "2015/16"
    assert combined.frame["complaint_ref"].tolist() == ["A", "C", "D", "E", "B"]
    assert combined.frame["source_file"].tolist()[-2:] == ["2015.csv", "2015.csv"]
    assert combined.set_aside[["source_file", "complaint_ref", "reason_code"]].values.tolist() == [
        ["2013.csv", "B", "replaced_by_later_file"]
    ]
    assert "appears again in 2015.csv" in combined.set_aside["reason"].iloc[0]
    pd.testing.assert_frame_equal(new, before)


def test_a_new_year_that_is_not_newer_than_the_history_is_refused():
    with pytest.raises(DataContractError, match=r"ends in 2014/15, but the history already reaches.*2014.csv holds"):
        join(records("2014/15", ["E"]), {"2014.csv": records("2014/15", ["C"])}, "new.csv")


def test_label_changes_between_the_champion_and_this_year_are_named():
    new_year = records("2015/16", list("abcdef"), ["Delay", "Delay", "Other", "Kinship Care", "Kinship Care", "Other"])
    changes = label_changes(
        champion_classes=["Delay", "Other", "Transport"],
        challenger_classes=["Delay", "Other", "Respite"],
        new_year=new_year,
        year="2015/16",
        aliased={"Delayed/Failed Service": 2},
    )
    assert changes.new == {"Kinship Care": 2}
    assert changes.untrained == {"Kinship Care": 2}
    assert changes.retired == ("Transport",)
    text = " ".join(changes.messages())
    assert "'Kinship Care' is new in 2015/16 (2 records)" in text
    assert "'Transport' is retired" in text
    assert "'Delayed/Failed Service' (2 records) was read as its national category" in text
    assert label_changes(["Delay", "Other"], ["Delay", "Other"], new_year.iloc[[0, 2]], "2015/16", {}).messages() == []


TEXTS = {
    "Delay/Failed Service": "the assessment is months late and nothing has happened yet",
    "Staff Attitude/Conduct": "the social worker was rude and shouted at me",
    "Breach of Confidentiality": "my address was shared with my ex partner without consent",
    "Lack of /Incorrect Information": "nobody told us what the plan was or gave the right leaflet",
}


def labelled(categories: list[str], per_class: int, team: str = "Fostering") -> pd.DataFrame:
    rows = [
        {"description": f"{TEXTS[category]} note {i}", "category": category, "team": team}
        for category in categories
        for i in range(per_class)
    ]
    return pd.DataFrame(rows).astype("string")


def test_models_that_know_different_categories_are_compared_without_a_crash(tiny_params):
    champion_rows = labelled(list(TEXTS)[:3], 6)
    challenger_rows = labelled(list(TEXTS)[1:], 6)
    fit = {"description": "description"}
    champion = build_category_model(tiny_params, 1.0, "balanced", "sigmoid", 2).fit(
        champion_rows[list(fit)], champion_rows["category"].to_numpy()
    )
    challenger = build_category_model(tiny_params, 1.0, "balanced", "sigmoid", 2).fit(
        challenger_rows[list(fit)], challenger_rows["category"].to_numpy()
    )
    holdout = pd.concat([labelled(list(TEXTS), 2, "Fostering"), labelled(list(TEXTS)[:2], 1, "Adoption")])
    compared = compare_categories(
        {"champion v1": loaded_category(champion, 0.5), "challenger": loaded_category(challenger, 0.5)},
        holdout.reset_index(drop=True),
        tiny_params.evaluate,
    )
    overall = compared.overall.set_index(["model", "rows"])
    assert set(overall.index) == {
        ("champion v1", "all"),
        ("champion v1", "categories both know"),
        ("challenger", "all"),
        ("challenger", "categories both know"),
    }
    # Both know Staff and Breach: 2 + 2 Fostering rows and 1 Adoption row.
    assert overall.loc[("challenger", "categories both know"), "n"] == 5
    # A category a model never learned is a miss for it, shown per category, not a crash.
    per_category = compared.per_category.set_index("category")
    assert per_category.loc["Lack of /Incorrect Information", "recall champion v1"] == 0.0
    assert per_category.loc["Delay/Failed Service", "recall challenger"] == 0.0
    assert compared.per_team["team"].tolist() == ["Adoption", "Fostering"]
    assert compared.per_team["records"].tolist() == [2, 8]


def test_theme_models_are_compared_on_the_themes_both_learned(tiny_params, tiny_training_frame):
    targets = np.array([[1, 0, 0]] * 4 + [[0, 1, 0]] * 4 + [[0, 0, 1]] * 4)
    frame = tiny_training_frame[["description"]]
    challenger = build_theme_model(tiny_params, 1.0, "balanced").fit(frame, targets)

    def themes(model, ids):
        return LoadedModel(model, {"themes": [{"id": theme, "threshold": 0.5} for theme in ids]}, "v")

    champion = build_theme_model(tiny_params, 1.0, "balanced").fit(frame, targets[:, [1, 0, 2]])
    compared = compare_themes(
        themes(challenger, ["delay", "staff", "privacy"]),
        themes(champion, ["staff", "delay", "transport"]),
        frame,
        targets,
    )
    assert compared.common == ("delay", "staff") and compared.new == ("privacy",) and compared.retired == ("transport",)
    assert set(compared.challenger["per_theme"]) == set(compared.champion["per_theme"]) == {"delay", "staff"}
    assert "Theme 'privacy' is new" in " ".join(compared.messages())


@pytest.mark.parametrize(("challenger_score", "promoted"), [(0.80, True), (0.705, False), (0.65, False)])
def test_the_challenger_is_promoted_only_when_better_by_the_margin(challenger_score: float, promoted: bool):
    decision = promotion_decision("macro_f1", challenger_score, 0.70, 0.01, "1")
    assert decision.promote is promoted
    assert decision.reason.startswith("better by") is promoted


def test_records_without_a_reference_are_never_taken_for_repeats():
    history = {"2014.csv": records("2014/15", ["row 2", "C"])}  # validation names unreferenced rows "row N"
    new = records("2015/16", ["row 2", "E"])
    combined = join(new, history, "2015.csv")
    assert len(combined.frame) == 4 and combined.set_aside.empty


def test_decide_promotes_only_a_challenger_better_by_the_margin(tiny_params, tiny_category_model, tiny_training_frame):
    from types import SimpleNamespace

    from pipeline.modelling.evaluate import evaluate

    holdout = tiny_training_frame.assign(financial_year="2015/16")
    loaded = loaded_category(tiny_category_model)
    champion_score = evaluate(loaded, holdout, tiny_params.evaluate).metrics["macro_f1"]
    champion = Registered(loaded, "1", "run-1", {"training_years": "2013/14,2014/15"})
    params = dataclasses.replace(tiny_params, prepare=dataclasses.replace(tiny_params.prepare, split="time"))
    for gain, promoted in ((+0.05, True), (+0.005, False), (-0.05, False)):
        result = SimpleNamespace(
            prepared=SimpleNamespace(
                train=holdout.assign(financial_year="2014/15"), holdout=holdout, holdout_name="financial year 2015/16"
            ),
            category=SimpleNamespace(evaluation=SimpleNamespace(metrics={"macro_f1": champion_score + gain})),
        )
        decision, tags = decide_promotion(params, "category", result, "abc", champion)
        assert decision.promote is promoted, decision.reason
        assert tags["holdout"] == "financial year 2015/16"


def test_the_champion_is_judged_at_its_own_threshold_not_the_params_one(
    tiny_params, tiny_category_model, tiny_training_frame
):
    """Coverage depends on the threshold: a champion that suggests for every complaint at its own
    threshold (0.0) must not be measured at the params' 0.99, where it would suggest for none."""
    from types import SimpleNamespace

    holdout = tiny_training_frame.assign(financial_year="2015/16")
    champion = Registered(
        loaded_category(tiny_category_model, threshold=0.0), "1", "run-1", {"training_years": "2014/15"}
    )
    params = dataclasses.replace(
        tiny_params,
        prepare=dataclasses.replace(tiny_params.prepare, split="time"),
        evaluate=dataclasses.replace(tiny_params.evaluate, suggestion_threshold=0.99),
        tracking=dataclasses.replace(tiny_params.tracking, promotion_metric="coverage"),
    )
    result = SimpleNamespace(
        prepared=SimpleNamespace(
            train=holdout.assign(financial_year="2014/15"), holdout=holdout, holdout_name="financial year 2015/16"
        ),
        category=SimpleNamespace(evaluation=SimpleNamespace(metrics={"coverage": 0.9})),
    )
    decision, _ = decide_promotion(params, "category", result, "abc", champion)
    assert not decision.promote and "1.0000" in decision.reason, decision.reason
