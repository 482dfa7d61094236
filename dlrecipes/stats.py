"""Statistics over seeds: what a table of several runs may claim, and what it may not.

One run of a recipe is one draw: another seed gives another data shuffle, other
initial weights and another number. A claim such as "Adam beats SGD" is a claim
about the *distribution* of that number, so it is made over seeds:

- :func:`summarize`: mean, sample standard deviation and a Student-t 95%
  confidence interval of the mean, ``mean +- t_{0.975, n-1} * sd / sqrt(n)``;
- :func:`paired_t_test`: two arms run with the *same* seeds (same data split and
  initial weights where the arms allow it) are compared seed by seed: the test
  is a one-sample t test on the differences ``d_i = a_i - b_i``, which removes
  the part of the noise the arms share (Student 1908);
- :func:`holm`: Holm's step-down correction when one table makes several such
  claims at once (Holm 1979), so that seven arms against one reference do not
  "find" a difference by chance one time in three;
- :func:`iqm` and :func:`bootstrap_interval`: the interquartile mean (the mean
  of the middle 50% of the values) with a percentile-bootstrap interval, the
  summary Agarwal et al. (2021, "Deep reinforcement learning at the edge of the
  statistical precipice") recommend for RL returns, which are heavy-tailed over
  seeds (a few seeds fail outright);
- :func:`verdict`: the plain words a table prints, ``"better"``, ``"worse"`` or
  ``"no difference at this budget"`` (not "equal": with more seeds or a longer
  budget a difference may show).

Example::

    >>> from dlrecipes import stats
    >>> s = stats.summarize([0.91, 0.93, 0.92, 0.94, 0.90])
    >>> round(s.mean, 3), round(s.ci_low, 4), round(s.ci_high, 4)
    (0.92, 0.9004, 0.9396)
    >>> test = stats.paired_t_test([0.95, 0.96, 0.94], [0.91, 0.93, 0.92])
    >>> stats.verdict(test.mean_difference, test.p_value, higher_is_better=True)
    'better'

Only NumPy and SciPy (the t distribution) are used; nothing here imports
TensorFlow or Keras.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as scipy_stats

#: The confidence level of every interval the library prints.
CONFIDENCE = 0.95
#: The significance level of a verdict (after Holm's correction when a table has several rows).
ALPHA = 0.05

BETTER = "better"
WORSE = "worse"
NO_DIFFERENCE = "no difference at this budget"
NOT_TESTED = "not tested (fewer than 2 paired seeds)"
#: The words a verdict column holds.
VERDICTS = (BETTER, WORSE, NO_DIFFERENCE, NOT_TESTED)

#: Resamples of :func:`bootstrap_interval` (rliable uses 2,000 to 50,000).
BOOTSTRAP_RESAMPLES = 10_000


def _array(values, name: str = "values") -> np.ndarray:
    """``values`` as a 1-D float64 array of finite numbers, or a ValueError naming them."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers. Received: {values!r}") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of numbers. Received shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} must be finite (leave failed seeds out first). Received: {array.tolist()}"
        )
    return array


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1). Received: confidence={confidence!r}")


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean, ``sum(x) / n`` (NaN for no values)."""
    array = _array(values)
    return float(array.mean()) if array.size else math.nan


def sd(values: Sequence[float]) -> float:
    """The sample standard deviation, ``sqrt(sum((x - mean)^2) / (n - 1))`` (NaN for n < 2)."""
    array = _array(values)
    return float(array.std(ddof=1)) if array.size >= 2 else math.nan


def t_quantile(probability: float, degrees_of_freedom: int) -> float:
    """The ``probability`` quantile of Student's t with ``degrees_of_freedom``
    (``t_quantile(0.975, 4) = 2.7764``: the 95% two-sided critical value for 5 values)."""
    return float(scipy_stats.t.ppf(probability, degrees_of_freedom))


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Student-t confidence interval of the mean.

    ``mean +- t_{(1 + c) / 2, n - 1} * sd / sqrt(n)``: it covers the true mean in a
    fraction ``c`` of repetitions when the values are independent draws from a
    normal distribution (and approximately otherwise).

    Args:
        values: one number per seed (finite).
        confidence: the coverage, 0.95 by default.

    Returns:
        ``(low, high)``; ``(nan, nan)`` for fewer than two values, ``(x, x)`` when all
        values equal ``x``.
    """
    _check_confidence(confidence)
    array = _array(values)
    n = array.size
    if n < 2:
        return (math.nan, math.nan)
    center = float(array.mean())
    half = t_quantile((1 + confidence) / 2, n - 1) * float(array.std(ddof=1)) / math.sqrt(n)
    return (center - half, center + half)


def iqm(values, axis: int = -1) -> float | np.ndarray:
    """The interquartile mean: the mean of the values left after cutting the lowest and
    the highest quarter (``int(n / 4)`` values at each end, as ``scipy.stats.trim_mean(x,
    0.25)`` and rliable do).

    Robust to a failed seed (unlike the mean) and less wasteful than the median
    (Agarwal et al. 2021). For 5 values it is the mean of the middle 3; for 10, of
    the middle 6.

    Args:
        values: a 1-D sequence, or an array whose ``axis`` holds the values (then one
            IQM per row: :func:`bootstrap_interval` passes ``(resamples, n)``).
        axis: the axis of the values.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.shape[axis] == 0:
        raise ValueError("iqm of no values")
    n = array.shape[axis]
    cut = int(0.25 * n)
    middle = np.take(np.sort(array, axis=axis), np.arange(cut, n - cut), axis=axis)
    result = middle.mean(axis=axis)
    return float(result) if np.ndim(result) == 0 else result


def _mean_along(values, axis: int = -1):
    return np.asarray(values, dtype=np.float64).mean(axis=axis)


#: Statistics :func:`bootstrap_interval` can be asked for by name.
STATISTICS: dict[str, Callable] = {"iqm": iqm, "mean": _mean_along}


def bootstrap_interval(
    values: Sequence[float],
    statistic: str | Callable = "iqm",
    *,
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """A percentile-bootstrap confidence interval of ``statistic`` (Efron 1979).

    Draw ``resamples`` samples of ``n`` values with replacement from ``values``
    (``numpy.random.default_rng(seed).integers(0, n, size=(resamples, n))`` picks
    the indices), compute the statistic of each, and return its ``(1 - c) / 2``
    and ``(1 + c) / 2`` quantiles (NumPy's linear interpolation). The same
    ``seed`` gives the same interval.

    Args:
        values: one number per seed (finite).
        statistic: ``"iqm"``, ``"mean"``, or a function of an array ``(resamples, n)``
            returning ``(resamples,)`` (it receives ``axis=-1``).
        confidence: the coverage, 0.95 by default.
        resamples: the number of bootstrap samples.
        seed: the generator's seed.

    Returns:
        ``(low, high)``; ``(nan, nan)`` for fewer than two values.
    """
    _check_confidence(confidence)
    if not isinstance(resamples, int) or isinstance(resamples, bool) or resamples < 1:
        raise ValueError(f"resamples must be a positive integer. Received: {resamples!r}")
    function = STATISTICS.get(statistic) if isinstance(statistic, str) else statistic
    if function is None:
        raise ValueError(
            f"unknown statistic {statistic!r}. Expected one of: {', '.join(STATISTICS)}"
        )
    array = _array(values)
    n = array.size
    if n < 2:
        return (math.nan, math.nan)
    indices = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    draws = np.asarray(function(array[indices], axis=-1), dtype=np.float64)
    low, high = np.quantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2])
    return (float(low), float(high))


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Summary:
    """One metric over seeds.

    Attributes:
        n: the number of values (seeds that completed).
        mean: their mean.
        sd: their sample standard deviation (NaN for n < 2).
        ci_low, ci_high: the Student-t 95% interval of the mean (NaN for n < 2).
    """

    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float

    def to_json(self) -> dict:
        """A dict for JSON (NaN written as ``null``: ``NaN`` is not JSON)."""
        return {key: _finite_or_none(value) for key, value in asdict(self).items()}


def summarize(values: Sequence[float], confidence: float = CONFIDENCE) -> Summary:
    """Mean, standard deviation and t interval of ``values`` (see :func:`t_interval`)."""
    array = _array(values)
    low, high = t_interval(array, confidence)
    return Summary(int(array.size), mean(array), sd(array), low, high)


@dataclass(frozen=True)
class PairedTest:
    """A paired t test of two arms over the same seeds.

    Attributes:
        n: the number of seeds both arms completed.
        mean_difference: the mean of ``a_i - b_i``.
        ci_low, ci_high: the t interval of that mean difference.
        t: the statistic ``mean(d) / (sd(d) / sqrt(n))``.
        p_value: the two-sided p-value (``P(|T_{n-1}| >= |t|)``); 1 when every
            difference is 0, 0 when every difference is the same non-zero number.
    """

    n: int
    mean_difference: float
    ci_low: float
    ci_high: float
    t: float
    p_value: float

    def to_json(self) -> dict:
        """A dict for JSON (NaN and infinities written as ``null``)."""
        return {key: _finite_or_none(value) for key, value in asdict(self).items()}


def paired_t_test(
    a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE
) -> PairedTest:
    """Student's paired t test of ``a`` against ``b`` (``a[i]`` and ``b[i]``: the same seed).

    With ``d_i = a_i - b_i``: ``t = mean(d) / (sd(d) / sqrt(n))`` with ``n - 1``
    degrees of freedom; the p-value is two-sided. Pairing matters: two arms that
    share a seed share its data split and (where shapes allow) its initial
    weights, so much of the seed-to-seed spread cancels in ``d``.

    Args:
        a, b: one value per seed each, in the same seed order.
        confidence: the coverage of the interval of the mean difference.

    Returns:
        A :class:`PairedTest`; its ``t``, ``p_value`` and interval are NaN for n < 2.
    """
    a_values, b_values = _array(a, "a"), _array(b, "b")
    if a_values.shape != b_values.shape:
        raise ValueError(
            "a paired test needs one value of each arm per seed. Received "
            f"{a_values.size} and {b_values.size} values"
        )
    differences = a_values - b_values
    n = differences.size
    if n == 0:
        raise ValueError("a paired test needs at least one pair of values")
    center = float(differences.mean())
    if n < 2:
        return PairedTest(n, center, math.nan, math.nan, math.nan, math.nan)
    low, high = t_interval(differences, confidence)
    spread = float(differences.std(ddof=1))
    if spread == 0.0:  # every seed gave the same difference: no noise to weigh it against
        t = 0.0 if center == 0.0 else math.copysign(math.inf, center)
        return PairedTest(n, center, low, high, t, 1.0 if center == 0.0 else 0.0)
    t = center / (spread / math.sqrt(n))
    p_value = float(2 * scipy_stats.t.sf(abs(t), n - 1))
    return PairedTest(n, center, low, high, float(t), p_value)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (Holm 1979), in the order given.

    Sort the ``m`` p-values, multiply the k-th smallest by ``m - k + 1``, make the
    sequence non-decreasing and cap it at 1. Rejecting where the adjusted value is
    below ``alpha`` keeps the chance of *any* false "better" / "worse" in the table
    at most ``alpha``. NaN entries (untested rows) stay NaN and do not count in ``m``.
    """
    values = [float(p) for p in p_values]
    tested = [i for i, p in enumerate(values) if not math.isnan(p)]
    m = len(tested)
    adjusted = [math.nan] * len(values)
    running = 0.0
    for rank, index in enumerate(sorted(tested, key=lambda i: values[i])):
        running = max(running, min(1.0, (m - rank) * values[index]))
        adjusted[index] = running
    return adjusted


def verdict(
    mean_difference: float,
    p_value: float,
    higher_is_better: bool = True,
    alpha: float = ALPHA,
) -> str:
    """Plain words for one row: ``"better"``, ``"worse"`` or ``"no difference at this budget"``.

    Args:
        mean_difference: the arm minus the reference (mean over paired seeds).
        p_value: the (adjusted) p-value of that difference; NaN when not tested.
        higher_is_better: the metric's direction (accuracy: ``True``; loss: ``False``).
        alpha: the significance level.

    Returns:
        ``"better"`` / ``"worse"`` when ``p_value < alpha`` (the sign of the difference
        and the direction decide which), ``"no difference at this budget"`` otherwise,
        and ``"not tested (fewer than 2 paired seeds)"`` when ``p_value`` is NaN.
    """
    if p_value is None or math.isnan(p_value):
        return NOT_TESTED
    if p_value >= alpha or mean_difference == 0:
        return NO_DIFFERENCE
    return BETTER if (mean_difference > 0) == bool(higher_is_better) else WORSE


_LOWER_IS_BETTER = re.compile(
    r"(^|_)(loss|mse|mae|rmse|error|wer|perplexity|gap)($|_)|solved_at_step|time_to_solve"
)
_HIGHER_IS_BETTER = re.compile(
    r"(^|_)(accuracy|acc|auc|f1|precision|recall|return|success|reward|r2|solved)($|_)"
)


def direction(metric: str) -> bool | None:
    """Whether a higher value of ``metric`` is better, from its name: ``True`` for
    accuracies, F1, returns; ``False`` for losses, errors, MSE, gaps; ``None`` when the
    name does not say (``epochs``, ``wall_time_s``: no verdict is given for those)."""
    name = metric.lower()
    if _LOWER_IS_BETTER.search(name):
        return False
    if _HIGHER_IS_BETTER.search(name):
        return True
    return None
