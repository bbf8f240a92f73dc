import numpy as np
import pytest

from pipeline.report.stats import benjamini_hochberg, lift, over_representation, share_change, shift_in_days


def test_benjamini_hochberg_matches_the_step_up_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # sorted 0.01, 0.03, 0.04, 0.20 -> x4/1, x4/2, x4/3, x4/4 = 0.04, 0.06, 0.0533, 0.20 -> running min from the top
    assert benjamini_hochberg(p) == pytest.approx([0.04, 0.0533333, 0.0533333, 0.20], abs=1e-6)


def test_benjamini_hochberg_keeps_missing_values_missing():
    q = benjamini_hochberg(np.array([np.nan, 0.01, 0.5]))
    assert np.isnan(q[0]) and q[1] == pytest.approx(0.02) and q[2] == pytest.approx(0.5)


def test_lift_compares_the_group_with_everyone_else():
    # 6 of 10 in the team, 4 of the other 40: 0.6 / 0.1
    assert lift(np.array([6]), np.array([10]), np.array([10]), 50)[0] == pytest.approx(6.0)
    assert np.isinf(lift(np.array([3]), np.array([10]), np.array([3]), 50)[0])


def _flagged(hits, sizes, totals, total, fdr=0.05):
    p = over_representation(hits, sizes, totals, total)
    return (benjamini_hochberg(p) <= fdr) & (lift(hits, sizes, totals, total) > 1)


def _table(rng, teams=8, themes=12, per_team=40, planted=None):
    """Team x theme counts from independent draws (theme rate 0.2), with an optional planted cell."""
    membership = rng.random((teams, per_team, themes)) < 0.2
    if planted:
        team, theme, rate = planted
        membership[team, :, theme] = rng.random(per_team) < rate
    hits = membership.sum(axis=1)
    sizes = np.full_like(hits, per_team)
    totals = np.broadcast_to(hits.sum(axis=0), hits.shape)
    return hits.ravel(), sizes.ravel(), totals.ravel(), teams * per_team


def test_a_planted_over_representation_is_found():
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(50):
        hits, sizes, totals, total = _table(rng, planted=(2, 5, 0.6))
        flagged = _flagged(hits, sizes, totals, total).reshape(8, 12)
        found += bool(flagged[2, 5])
    assert found >= 45  # power: 0.6 against 0.2 in 40 complaints is found nearly always


def test_random_data_is_not_flagged_above_the_expected_rate():
    rng = np.random.default_rng(11)
    runs = 300
    any_flag = sum(bool(_flagged(*_table(rng)).any()) for _ in range(runs))
    # With no association at all, BH at 5% keeps the chance of any false flag at or under 5%.
    assert any_flag / runs <= 0.07


def test_share_change_and_response_time_shift():
    assert share_change(30, 100, 10, 100) < 0.001
    assert share_change(11, 100, 10, 100) > 0.5
    assert np.isnan(share_change(1, 0, 1, 10))
    assert shift_in_days(np.arange(10, 30), np.arange(10, 30)) == pytest.approx(1.0)
    assert shift_in_days(np.full(30, 20) + np.arange(30) % 3, np.full(30, 10) + np.arange(30) % 3) < 0.001
