"""The statistics behind comparisons: paired accuracy tests, confidence
intervals and step-time change detection. All of it is scipy's."""

import dataclasses
from typing import Optional, Sequence

import numpy as np
from scipy import stats

# McNemar's chi-square approximation is poor below this many disagreements;
# the exact binomial test is used instead (Edwards 1948; Fagerland 2013).
EXACT_BELOW = 25
CONFIDENCE = 0.95


@dataclasses.dataclass(frozen=True)
class PairedAccuracy:
    """Two classifiers scored on the same examples.

    Attributes:
        n: examples compared.
        only_a: examples A gets right and B wrong.
        only_b: examples B gets right and A wrong.
        difference: accuracy of B minus accuracy of A.
        p_value: McNemar's test that the two error rates are equal.
        exact: whether `p_value` is the exact binomial one.
        ci_low, ci_high: bootstrap interval of `difference`.
    """

    n: int
    only_a: int
    only_b: int
    difference: float
    p_value: float
    exact: bool
    ci_low: float
    ci_high: float


def mcnemar(only_a: int, only_b: int) -> tuple:
    """McNemar's p-value from the two disagreement counts, and whether it is
    exact (binomial) or the continuity-corrected chi-square."""
    disagreements = only_a + only_b
    if disagreements == 0:
        return 1.0, True
    if disagreements < EXACT_BELOW:
        test = stats.binomtest(only_a, disagreements, 0.5)
        return float(test.pvalue), True
    statistic = (abs(only_a - only_b) - 1) ** 2 / disagreements
    return float(stats.chi2.sf(statistic, df=1)), False


def paired_accuracy(correct_a: Sequence[bool], correct_b: Sequence[bool],
                    resamples: int = 2000, seed: int = 0) -> PairedAccuracy:
    """Compare per-example correctness of A and B on the same examples."""
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"Scored on different examples: {a.size} vs {b.size}.")
    only_a = int((a & ~b).sum())
    only_b = int((~a & b).sum())
    p_value, exact = mcnemar(only_a, only_b)
    delta = b.astype("float64") - a.astype("float64")
    if only_a + only_b == 0:
        low = high = 0.0
    else:
        interval = stats.bootstrap(
            (delta,), np.mean, n_resamples=resamples, confidence_level=CONFIDENCE,
            method="percentile", rng=np.random.default_rng(seed),
        ).confidence_interval
        low, high = float(interval.low), float(interval.high)
    return PairedAccuracy(
        n=int(a.size), only_a=only_a, only_b=only_b,
        difference=float(delta.mean()), p_value=p_value, exact=exact,
        ci_low=low, ci_high=high,
    )


@dataclasses.dataclass(frozen=True)
class SpeedChange:
    """A change in step time between two runs.

    Attributes:
        ratio: median of B over median of A (above 1: B is slower).
        p_value: two-sided Mann-Whitney U test on the samples; None when
            either side has too few samples to test.
        verdict: "slower", "faster" or "no change".
    """

    ratio: float
    p_value: Optional[float]
    verdict: str


def speed_change(samples_a: Sequence[float], samples_b: Sequence[float],
                 threshold: float = 0.10, alpha: float = 0.05) -> SpeedChange:
    """Flag a change only when the medians differ by more than `threshold`
    and the rank test says the difference is not noise (as asv does)."""
    a = np.asarray(samples_a, dtype="float64")
    b = np.asarray(samples_b, dtype="float64")
    ratio = float(np.median(b) / np.median(a))
    p_value = None
    if a.size >= 3 and b.size >= 3:
        p_value = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    significant = p_value is not None and p_value < alpha
    verdict = "no change"
    if significant and ratio > 1 + threshold:
        verdict = "slower"
    elif significant and ratio < 1 / (1 + threshold):
        verdict = "faster"
    return SpeedChange(ratio=ratio, p_value=p_value, verdict=verdict)


def mean_interval(values: Sequence[float], confidence: float = CONFIDENCE):
    """Mean and Student-t interval of `values` (e.g. one per seed); the
    interval is None with fewer than two values."""
    x = np.asarray(values, dtype="float64")
    mean = float(x.mean())
    if x.size < 2:
        return mean, None
    half = stats.t.ppf(0.5 + confidence / 2, df=x.size - 1) * stats.sem(x)
    return mean, (mean - float(half), mean + float(half))


def proportion_interval(successes: int, trials: int,
                        confidence: float = CONFIDENCE) -> tuple:
    """Wilson interval of an accuracy measured on `trials` examples: the
    test-set noise of a single run."""
    interval = stats.binomtest(successes, trials).proportion_ci(
        confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)
