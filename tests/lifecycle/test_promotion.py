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
