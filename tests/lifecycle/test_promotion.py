from pipeline.lifecycle.promotion import promotion_decision


def test_first_model_becomes_champion():
    assert promotion_decision("macro_f1", 0.5, None, 0.01).promote


def test_better_model_beyond_margin_is_promoted():
    decision = promotion_decision("macro_f1", 0.62, 0.60, 0.01, "3")
    assert decision.promote and "champion v3" in decision.reason


def test_model_within_margin_or_worse_is_not_promoted():
    assert not promotion_decision("macro_f1", 0.605, 0.60, 0.01).promote
    assert not promotion_decision("macro_f1", 0.55, 0.60, 0.0).promote


def test_champion_trained_on_the_holdout_year_is_not_compared():
    from pipeline.lifecycle.promotion import unfair_comparison

    new = {
        "split": "time",
        "holdout": "financial year 2014/15",
        "training_years": "2012/13,2013/14",
        "data_sha256": "b",
    }
    assert unfair_comparison({"training_years": "2012/13,2013/14"}, new) is None
    assert "trained on 2014/15" in unfair_comparison({"training_years": "2013/14,2014/15"}, new)
    assert "does not record" in unfair_comparison({}, new)


def test_stratified_comparison_needs_the_same_split_of_the_same_file():
    from pipeline.lifecycle.promotion import unfair_comparison

    new = {"split": "stratified", "holdout": "stratified 20%", "training_years": "", "data_sha256": "a"}
    assert unfair_comparison(dict(new), new) is None
    assert unfair_comparison({**new, "data_sha256": "b"}, new) is not None


def test_each_saved_model_is_judged_against_its_own_heads_champion(params):
    from types import SimpleNamespace

    import pandas as pd

    from pipeline.lifecycle.promotion import decide_each

    result = SimpleNamespace(
        prepared=SimpleNamespace(
            train=pd.DataFrame({"financial_year": ["2012/13", "2013/14"]}), holdout_name="financial year 2014/15"
        ),
        category=SimpleNamespace(evaluation=SimpleNamespace(metrics={"macro_f1": 0.6})),
        themes=SimpleNamespace(holdout_metrics={"macro_f1": 0.4}),
    )
    saved = {head: SimpleNamespace(card={"data": {"file_sha256": f"{head}-sha"}}) for head in ("category", "themes")}
    trained_on_holdout = SimpleNamespace(version="2", tags={"training_years": "2013/14,2014/15"})
    decided = decide_each(params, result, saved, {"category": None, "themes": trained_on_holdout})
    assert list(decided) == ["category", "themes"]
    (category, category_tags), (themes, themes_tags) = decided["category"], decided["themes"]
    assert category.promote and "no champion yet" in category.reason
    assert not themes.promote and "champion v2 kept" in themes.reason and "trained on 2014/15" in themes.reason
    assert category_tags["data_sha256"] == "category-sha" and themes_tags["data_sha256"] == "themes-sha"
    assert category_tags["training_years"] == "2012/13,2013/14"
