"""Claims threshold rules: the stated precision read from out-of-fold scores, point estimate or
Wilson lower bound, and never a lucky dip in a non-monotone precision curve."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.training.claims import precision_threshold, wilson_lower


def test_wilson_lower_bound_matches_a_hand_computed_value():
    # 22 of 32 at z = 1.6449: (0.6875 + 0.042277 - 1.6449 * sqrt(0.0067139 + 0.00066057)) / 1.084553
    assert wilson_lower(22, 32, 1.6449) == pytest.approx(0.5426, abs=1e-3)
    assert wilson_lower(0, 0, 1.0) == 0.0
    assert wilson_lower(50, 50, 1.2816) < 1.0


def test_lower_bound_rule_asks_for_a_higher_threshold_than_the_point_estimate():
    rng = np.random.RandomState(0)
    p = rng.rand(2000)
    y = (rng.rand(2000) < p).astype(int)  # calibrated: precision above t is (1 + t) / 2
    point = precision_threshold(y, p, 0.7)
    bound = precision_threshold(y, p, 0.7, z=1.6449)
    assert 0.35 <= point <= 0.45 and bound > point


def test_stable_rule_skips_a_dip_that_recovers_only_by_luck():
    # flagged sets: t <= 0.30 -> 20 of 20 positive; 0.31..0.60 -> 10 of 20 (the dip); above -> all positive
    p = np.r_[np.full(20, 0.30), np.full(20, 0.60), np.full(20, 0.90)]
    y = np.r_[np.ones(20), np.r_[np.ones(10), np.zeros(10)], np.ones(20)].astype(int)
    assert precision_threshold(y, p, 0.8, min_flagged=15) == 0.2  # 50 of 60 = 0.83 from the start
    assert precision_threshold(y, p, 0.8, min_flagged=15, stable=True) == 0.61
