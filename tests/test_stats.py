"""``dlrecipes.stats`` against values computed by hand on fixed numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlrecipes import stats

# Student's t, 95% two-sided critical values from a printed table.
T_975 = {2: 4.3027, 4: 2.7764, 9: 2.2622}


def test_mean_sd_and_t_interval_by_hand():
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    # mean 3; squared deviations 4 + 1 + 0 + 1 + 4 = 10; sd = sqrt(10 / 4) = 1.58114
    assert stats.mean(values) == 3.0
    assert stats.sd(values) == pytest.approx(math.sqrt(2.5))
    # half width = t_{0.975, 4} * sd / sqrt(5) = 2.7764 * 1.58114 / 2.23607 = 1.96324
    low, high = stats.t_interval(values)
    assert low == pytest.approx(3 - 1.96324, abs=1e-4)
    assert high == pytest.approx(3 + 1.96324, abs=1e-4)
    assert stats.t_quantile(0.975, 4) == pytest.approx(T_975[4], abs=1e-4)
    summary = stats.summarize(values)
    assert (summary.n, summary.mean) == (5, 3.0)
    assert (summary.ci_low, summary.ci_high) == (low, high)


def test_t_interval_other_confidence_and_degenerate_cases():
    # 90%, n = 3: t_{0.95, 2} = 2.9200; values 10, 12, 14: sd 2, half = 2.92 * 2 / sqrt(3)
    low, high = stats.t_interval([10.0, 12.0, 14.0], confidence=0.90)
    assert (low, high) == pytest.approx((12 - 3.3717, 12 + 3.3717), abs=1e-4)
    assert stats.t_interval([7.0, 7.0, 7.0]) == (7.0, 7.0)
    assert all(math.isnan(x) for x in stats.t_interval([0.5]))
    assert math.isnan(stats.sd([0.5]))
    json = stats.summarize([0.5]).to_json()
    assert json == {"n": 1, "mean": 0.5, "sd": None, "ci_low": None, "ci_high": None}


def test_iqm_on_fixed_arrays():
    # 8 values: cut 2 at each end, mean of 3, 4, 5, 6
    assert stats.iqm([8, 1, 7, 2, 6, 3, 5, 4]) == 4.5
    # 5 values: cut int(1.25) = 1 at each end; middle 2, 3, 5 -> 10 / 3 (the outlier 100 is gone)
    assert stats.iqm([5, 1, 100, 3, 2]) == pytest.approx(10 / 3)
    # 10 values 0, 1, 4, ..., 81: cut 2 at each end, mean of 4, 9, 16, 25, 36, 49 = 139 / 6
    assert stats.iqm(np.arange(10.0) ** 2) == pytest.approx(139 / 6)
    # 3 values: nothing is cut (int(0.75) = 0): the plain mean
    assert stats.iqm([1, 2, 6]) == 3.0
    # rows: one IQM per row
    np.testing.assert_allclose(stats.iqm(np.array([[1, 2, 3, 4], [0, 0, 10, 10]])), [2.5, 5.0])


def test_bootstrap_interval_with_a_fixed_generator_by_hand():
    # default_rng(0).integers(0, 3, size=(4, 3)) draws the index rows
    # [2, 1, 1], [0, 0, 0], [0, 0, 0], [2, 1, 2] -> resamples of [1, 2, 4]:
    # [4, 2, 2] mean 8/3, [1, 1, 1] mean 1, [1, 1, 1] mean 1, [4, 2, 4] mean 10/3.
    rows = np.random.default_rng(0).integers(0, 3, size=(4, 3)).tolist()
    assert rows == [[2, 1, 1], [0, 0, 0], [0, 0, 0], [2, 1, 2]]
    # sorted means 1, 1, 8/3, 10/3; quantile 0.025 at position 0.075 -> 1;
    # quantile 0.975 at position 2.925 -> 8/3 + 0.925 * (10/3 - 8/3) = 3.28333
    low, high = stats.bootstrap_interval([1.0, 2.0, 4.0], "mean", resamples=4, seed=0)
    assert low == pytest.approx(1.0)
    assert high == pytest.approx(8 / 3 + 0.925 * 2 / 3)


def test_bootstrap_of_the_iqm_by_hand_and_its_limits():
    # default_rng(0).integers(0, 4, size=(3, 4)): [3, 2, 2, 1], [1, 0, 0, 0], [0, 3, 2, 3]
    # of [0, 10, 20, 100]: sorted [10, 20, 20, 100] IQM 20; [0, 0, 0, 10] IQM 0;
    # [0, 20, 100, 100] IQM 60. Sorted IQMs 0, 20, 60: position 0.05 -> 1.0, 1.95 -> 58.0
    low, high = stats.bootstrap_interval([0.0, 10.0, 20.0, 100.0], "iqm", resamples=3, seed=0)
    assert (low, high) == pytest.approx((1.0, 58.0))
    # Many resamples of two values {0, 1}: resample means 0, 0.5, 1 -> the interval is [0, 1].
    assert stats.bootstrap_interval([0.0, 1.0], "mean") == (0.0, 1.0)
    # The same seed, the same interval; all-equal values, a point.
    values = [3.0, 9.0, 4.0, 7.0, 1.0, 8.0]
    assert stats.bootstrap_interval(values, seed=5) == stats.bootstrap_interval(values, seed=5)
    assert stats.bootstrap_interval([2.0] * 5) == (2.0, 2.0)
    assert all(math.isnan(x) for x in stats.bootstrap_interval([1.0]))


def test_paired_t_test_by_hand():
    # d = a - b = 0.1, 0.2, 0.3, 0.2, 0.2: mean 0.2, sd sqrt(0.02 / 4) = 0.070711,
    # t = 0.2 / (0.070711 / sqrt 5) = 6.3246 on 4 degrees of freedom
    a = [1.1, 2.2, 3.3, 4.2, 5.2]
    b = [1.0, 2.0, 3.0, 4.0, 5.0]
    test = stats.paired_t_test(a, b)
    assert test.n == 5
    assert test.mean_difference == pytest.approx(0.2)
    assert test.t == pytest.approx(6.3246, abs=1e-4)
    half = T_975[4] * 0.070711 / math.sqrt(5)
    assert (test.ci_low, test.ci_high) == pytest.approx((0.2 - half, 0.2 + half), abs=1e-4)
    # P(|T_4| >= 6.3246) = 0.0032 (table: t_{0.9975, 4} = 5.598, t_{0.999, 4} = 7.173)
    assert 0.002 < test.p_value < 0.005


def test_paired_p_value_in_closed_form_for_two_degrees_of_freedom():
    # With 3 pairs, T_2's two-sided tail is 1 - |t| / sqrt(2 + t^2).
    # d = 0.04, 0.03, 0.02: mean 0.03, sd 0.01, t = 0.03 / (0.01 / sqrt 3) = 5.19615
    test = stats.paired_t_test([0.95, 0.96, 0.94], [0.91, 0.93, 0.92])
    t = 0.03 / (0.01 / math.sqrt(3))
    assert test.t == pytest.approx(t)
    assert test.p_value == pytest.approx(1 - t / math.sqrt(2 + t * t))
    # swapping the arms flips the sign, not the p-value
    swapped = stats.paired_t_test([0.91, 0.93, 0.92], [0.95, 0.96, 0.94])
    assert swapped.t == pytest.approx(-t) and swapped.p_value == pytest.approx(test.p_value)


def test_paired_test_degenerate_cases():
    same = stats.paired_t_test([0.5, 0.6], [0.5, 0.6])
    assert same.mean_difference == 0 and same.p_value == 1.0
    constant = stats.paired_t_test([3.0, 4.0, 5.0], [1.0, 2.0, 3.0])
    assert constant.p_value == 0.0 and constant.t == math.inf
    one = stats.paired_t_test([0.6], [0.5])
    assert one.mean_difference == pytest.approx(0.1) and math.isnan(one.p_value)
    assert one.to_json()["p_value"] is None
    with pytest.raises(ValueError, match="one value of each arm per seed. Received 2 and 3"):
        stats.paired_t_test([1, 2], [1, 2, 3])


def test_holm_by_hand():
    # m = 4: sorted 0.01, 0.02, 0.03, 0.04 times 4, 3, 2, 1 = 0.04, 0.06, 0.06, 0.04
    # -> non-decreasing: 0.04, 0.06, 0.06, 0.06 (back in the given order below)
    adjusted = stats.holm([0.03, 0.01, 0.04, 0.02])
    assert adjusted == pytest.approx([0.06, 0.04, 0.06, 0.06])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    with_untested = stats.holm([0.01, math.nan])
    assert with_untested[0] == pytest.approx(0.01) and math.isnan(with_untested[1])


def test_verdict_words_respect_the_direction():
    assert stats.verdict(0.02, 0.01, higher_is_better=True) == "better"
    assert stats.verdict(0.02, 0.01, higher_is_better=False) == "worse"
    assert stats.verdict(-0.3, 0.001, higher_is_better=False) == "better"
    assert stats.verdict(0.02, 0.2) == "no difference at this budget"
    assert stats.verdict(0.0, 0.0) == "no difference at this budget"
    assert stats.verdict(0.02, math.nan) == stats.NOT_TESTED
    assert stats.direction("test_accuracy") is True
    assert stats.direction("val_loss") is False
    assert stats.direction("eval_return_mean") is True
    assert stats.direction("solved_at_step") is False
    assert stats.direction("wall_time_s") is None


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: stats.mean([1.0, math.nan]), "must be finite"),
        (lambda: stats.t_interval([1, 2], confidence=95), "confidence must be in"),
        (lambda: stats.bootstrap_interval([1, 2], "median"), "unknown statistic 'median'"),
        (lambda: stats.bootstrap_interval([1, 2], resamples=0), "resamples must be a positive"),
        (lambda: stats.summarize([[1, 2]]), "flat sequence"),
        (lambda: stats.summarize(["a"]), "must be numbers"),
    ],
)
def test_bad_inputs_are_value_errors_naming_what_was_received(call, message):
    with pytest.raises(ValueError, match=message):
        call()
