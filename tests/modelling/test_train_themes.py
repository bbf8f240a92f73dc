"""Theme thresholds: assigned only where out-of-fold precision is promised, possible otherwise, rare ones shrunk.

(The theme side of pipeline/modelling/train.py; test_train.py holds the category side.)
"""

import numpy as np
import pytest
from sklearn.model_selection import KFold

from pipeline.modelling.metrics import wilson_lower_bound
from pipeline.modelling.train import SHRINKAGE_GRID, _blended, _OwnAndGlobal, theme_thresholds


def separable_and_random_themes(rows: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list]:
    """Out-of-fold probabilities of two themes: one that ranks its positives well, one at random."""
    rng = np.random.default_rng(seed)
    targets = (rng.random((rows, 2)) < 0.25).astype(int)
    probabilities = np.column_stack(
        [
            np.clip(0.15 + 0.6 * targets[:, 0] + rng.normal(0, 0.1, rows), 0, 1),
            rng.random(rows) * 0.6,
        ]
    )
    splits = list(KFold(5, shuffle=True, random_state=0).split(targets))
    return targets, probabilities, splits


def test_a_theme_is_assigned_only_where_its_out_of_fold_precision_reaches_the_target():
    targets, probabilities, splits = separable_and_random_themes()
    found = theme_thresholds(targets, probabilities, splits, 0.7, 0.95)
    assert found.assigned.tolist() == [True, False]
    chosen = probabilities[:, 0] >= found.assign[0]
    right = int((chosen & (targets[:, 0] == 1)).sum())
    assert wilson_lower_bound(right, int(chosen.sum()), 0.95) >= 0.7
    assert found.precision[0] == right / chosen.sum() and found.recall[0] > 0.9
    # The random theme is still offered as possible, from a threshold of its own.
    assert np.isfinite(found.possible[1]) and found.possible[0] <= found.assign[0]
    assert found.shrinkage in SHRINKAGE_GRID


def test_a_stricter_target_assigns_fewer_themes_or_at_higher_thresholds():
    targets, probabilities, splits = separable_and_random_themes()
    usual = theme_thresholds(targets, probabilities, splits, 0.7, 0.95)
    strict = theme_thresholds(targets, probabilities, splits, 0.999, 0.95)
    assert not strict.assigned.any() and usual.assigned.any()
    everything = theme_thresholds(targets, probabilities, splits, None, 0.95)
    assert everything.assigned.all()  # no target: every theme at its best-F1 threshold


def test_a_rare_themes_thresholds_shrink_toward_the_global_ones():
    targets, probabilities, _ = separable_and_random_themes()
    rare = np.zeros((len(targets), 1), dtype=int)
    rare[:4, 0] = 1
    targets = np.hstack([targets, rare])
    probabilities = np.hstack([probabilities, np.where(rare == 1, 0.08, 0.04)])
    fitted = _OwnAndGlobal.fit(targets.astype(bool), probabilities, 0.7, 0.95)
    own = fitted.own_possible[2]
    _, alone = _blended(fitted, targets.astype(bool), probabilities, 0.7, 0.95, 0.0)
    _, shrunk = _blended(fitted, targets.astype(bool), probabilities, 0.7, 0.95, 40.0)
    assert alone[2] == pytest.approx(own) and own < 0.1
    # Four positive rows weigh 4 / 44 against the shared threshold: most of the way to it.
    assert shrunk[2] == pytest.approx(own * 4 / 44 + fitted.global_possible * 40 / 44)
    # The common theme (about a hundred positives) moves far less.
    assert abs(shrunk[0] - alone[0]) < abs(shrunk[2] - alone[2])


def test_weak_labels_assign_every_theme_at_the_share_of_matches_asked_for():
    targets, probabilities, splits = separable_and_random_themes()
    found = theme_thresholds(targets, probabilities, splits, 0.7, 0.95, target_recall=0.9)
    assert found.assigned.all() and found.recall[0] >= 0.9


def test_the_theme_model_records_assigned_and_possible_themes(trained_themes):
    data, trained = trained_themes
    detail = trained.threshold_detail
    assert len(trained.thresholds) == len(trained.possible) == len(data.theme_ids)
    assert np.array_equal(np.isfinite(trained.theme_thresholds), detail.assigned)
    assigned = detail.assigned
    assert (trained.possible_thresholds[assigned] <= trained.theme_thresholds[assigned]).all()
    # Every assigned theme kept its promise on the training rows' out-of-fold predictions.
    assert (detail.precision[assigned] >= 0.7).all()
    assert "assigned_or_possible" in trained.cv_metrics
