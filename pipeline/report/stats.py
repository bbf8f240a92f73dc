"""The significance tests of the report: over-representation, change between years, and the
Benjamini-Hochberg correction that keeps the share of false alarms under the chosen rate when
many cells are tested at once (every theme in every team)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Adjusted p-values (q-values): a cell with q <= 0.05 is flagged at a 5% false discovery rate."""
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    if not present.any():
        return q
    values = p[present]
    order = np.argsort(values)
    ranked = values[order] * len(values) / np.arange(1, len(values) + 1)
    # Step-up: each q is the smallest ranked value at or above its rank.
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    result = np.empty_like(values)
    result[order] = adjusted
    q[present] = result
    return q


def over_representation(hits: np.ndarray, group_size: np.ndarray, total_hits: np.ndarray, total: int) -> np.ndarray:
    """One-sided Fisher's exact test: is a label more common in the group than in everyone else?

    ``hits`` of the group's ``group_size`` complaints carry the label, ``total_hits`` of all
    ``total`` do. Under no association the group's count is hypergeometric, so the p-value is
    P(X >= hits); vectorised, so thousands of team x theme cells take milliseconds.
    """
    hits, group_size, total_hits = (np.asarray(a, dtype=int) for a in (hits, group_size, total_hits))
    return stats.hypergeom.sf(hits - 1, total, total_hits, group_size)


def lift(hits: np.ndarray, group_size: np.ndarray, total_hits: np.ndarray, total: int) -> np.ndarray:
    """Share of the group with the label over the share of everyone else with it (inf when none else)."""
    hits, group_size, total_hits = (np.asarray(a, dtype=float) for a in (hits, group_size, total_hits))
    inside = np.divide(hits, group_size, out=np.zeros_like(hits), where=group_size > 0)
    others, rest = total_hits - hits, total - group_size
    outside = np.divide(others, rest, out=np.zeros_like(hits), where=rest > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(outside > 0, inside / np.where(outside > 0, outside, 1), np.where(inside > 0, np.inf, np.nan))


def share_change(count_now: int, total_now: int, count_before: int, total_before: int) -> float:
    """Two-sided Fisher's exact p-value for a change in a label's share of complaints between two years."""
    if total_now == 0 or total_before == 0:
        return float("nan")
    table = [[count_now, total_now - count_now], [count_before, total_before - count_before]]
    return float(stats.fisher_exact(table).pvalue)


def shift_in_days(before: np.ndarray, after: np.ndarray) -> float:
    """Two-sided Mann-Whitney U p-value: are response times after a date different from before it?"""
    if len(before) == 0 or len(after) == 0:
        return float("nan")
    return float(stats.mannwhitneyu(before, after, alternative="two-sided").pvalue)
