from pipeline.lifecycle import promotion_decision


def test_first_model_becomes_champion():
    assert promotion_decision("macro_f1", 0.5, None, 0.01).promote


def test_better_model_beyond_margin_is_promoted():
    decision = promotion_decision("macro_f1", 0.62, 0.60, 0.01, "3")
    assert decision.promote and "champion v3" in decision.reason


def test_model_within_margin_or_worse_is_not_promoted():
    assert not promotion_decision("macro_f1", 0.605, 0.60, 0.01).promote
    assert not promotion_decision("macro_f1", 0.55, 0.60, 0.0).promote
