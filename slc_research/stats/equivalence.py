"""Equivalence: can the data rule out an effect as large as the smallest that matters.

"Not significant" is not "no effect": a small study cannot tell a null from a
modest effect. :func:`tost` (two one-sided tests) asks whether the estimate
is significantly above ``-bound`` *and* significantly below ``+bound``; if so
the data rule out any effect of that size either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.inputs import finite_number
from slc_research.stats.results import ResultMixin, format_ci, format_number, format_p

__all__ = ["EquivalenceResult", "tost"]

VERDICTS = ("equivalent", "inconclusive", "different")


@dataclass(frozen=True)
class EquivalenceResult(ResultMixin):
    """Two one-sided tests of an estimate against ``±bound``.

    Attributes
    ----------
    estimate : float
        The effect estimate tested.
    ci_low, ci_high : float
        Its ``1 - 2·alpha`` interval (90% for alpha 0.05): equivalence holds
        exactly when this interval lies inside ``(-bound, +bound)``.
    se : float
        The estimate's standard error.
    df : float or None
        Degrees of freedom of t, or None for the normal distribution.
    p : float
        The TOST p-value, the larger of ``p_lower`` and ``p_upper``.
    p_lower : float
        One-sided p of "the effect is at most -bound".
    p_upper : float
        One-sided p of "the effect is at least +bound".
    p_zero : float
        Two-sided p of "the effect is zero" (the ordinary test).
    bound : float
        The smallest effect of interest (positive).
    alpha : float
    equivalent : bool
        ``p < alpha``: no effect as large as ``bound`` either way.
    verdict : str
        ``"equivalent"``; ``"different"`` (not equivalent, and the ordinary
        two-sided test at ``alpha`` rejects zero); else ``"inconclusive"``.
    n : int or None
        People in the analysis, when given.
    method : str
    """

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    df: float | None
    p: float
    p_lower: float
    p_upper: float
    p_zero: float
    bound: float
    alpha: float
    equivalent: bool
    verdict: str
    n: int | None
    method: str

    def in_words(self, places: int = 2) -> str:
        """The verdict as a plain sentence for a report, never just "not significant"."""
        bound = format_number(self.bound, places)
        if self.verdict == "equivalent":
            return (f"no effect larger than ±{bound}: the {1 - 2 * self.alpha:.0%} interval "
                    f"[{format_number(self.ci_low, places)}, {format_number(self.ci_high, places)}]"
                    f" lies inside ±{bound}")
        if self.verdict == "different":
            near = self.ci_low if self.estimate > 0 else self.ci_high
            return (f"an effect of at least {format_number(near, places)} "
                    f"({'positive' if self.estimate > 0 else 'negative'}; the nearer end of the "
                    f"{1 - 2 * self.alpha:.0%} interval)")
        return (f"inconclusive: the data cannot rule out an effect of {bound} either way "
                f"(the {1 - 2 * self.alpha:.0%} interval "
                f"[{format_number(self.ci_low, places)}, {format_number(self.ci_high, places)}]"
                f" reaches beyond ±{bound})")

    def __str__(self) -> str:
        return (f"TOST against ±{format_number(self.bound)}: {format_p(self.p)}, "
                f"estimate = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, 1 - 2 * self.alpha)}; {self.verdict}")


def tost(estimate: float, se: float, *, bound: float = 0.2, df: float | None = None,
         alpha: float = 0.05, n: int | None = None) -> EquivalenceResult:
    """Two one-sided tests: is the effect inside ``±bound``, the smallest that matters.

    Parameters
    ----------
    estimate : float
        The effect estimate (e.g. a d_ppc2, or a difference in points).
    se : float
        Its standard error (positive).
    bound : float, default 0.2
        The smallest effect of interest, in the estimate's units (0.2 for a
        standardised effect: the EEF's "small but worthwhile").
    df : float, optional
        Degrees of freedom for t; None (default) uses the normal distribution.
    alpha : float, default 0.05
        Level of each one-sided test.
    n : int, optional
        People in the analysis, carried onto the result.

    Returns
    -------
    EquivalenceResult
        ``p``, ``p_lower``, ``p_upper``, ``p_zero``, ``bound``, ``equivalent``,
        ``verdict``, ``estimate``, ``ci_low``, ``ci_high`` (the ``1 - 2 alpha``
        interval), ``se``, ``df``, ``alpha``, ``n`` and ``method``.

    Raises
    ------
    StatsError
        A non-positive ``se`` or ``bound``, ``alpha`` outside (0, 0.5), or
        ``df`` not positive.

    Notes
    -----
    With ``F`` the t (df) or standard normal distribution function::

        p_lower = 1 - F((estimate + bound) / se)   H0: effect <= -bound
        p_upper = F((estimate - bound) / se)        H0: effect >= +bound
        p       = max(p_lower, p_upper)

    Equivalence (``p < alpha``) is the same as the ``1 - 2 alpha`` interval
    ``estimate ± F⁻¹(1 - alpha) se`` lying inside ``(-bound, bound)``
    (Schuirmann, 1987; Lakens, 2017).

    References
    ----------
    Lakens, D. (2017). Equivalence tests: a practical primer for t tests,
    correlations, and meta-analyses. *Social Psychological and Personality
    Science*, 8(4), 355-362.

    Schuirmann, D. J. (1987). A comparison of the two one-sided tests
    procedure and the power approach for assessing the equivalence of average
    bioavailability. *Journal of Pharmacokinetics and Biopharmaceutics*, 15(6),
    657-680.

    Examples
    --------
    >>> print(tost(0.05, 0.06))
    TOST against ±0.20: p = .006, estimate = 0.05, 90% CI [-0.05, 0.15]; equivalent
    >>> tost(0.10, 0.15).verdict
    'inconclusive'
    """
    estimate = finite_number(estimate, "estimate")
    se = finite_number(se, "se")
    bound = finite_number(bound, "bound")
    alpha = finite_number(alpha, "alpha")
    if se <= 0:
        raise StatsError(f"se must be positive (the estimate's standard error); got {se!r}")
    if bound <= 0:
        raise StatsError(f"bound must be a positive smallest effect of interest, e.g. 0.2; "
                         f"got {bound!r}")
    if not 0 < alpha < 0.5:
        raise StatsError(f"alpha must be between 0 and 0.5 (e.g. 0.05); got {alpha!r}")
    if df is not None:
        df = finite_number(df, "df")
        if df <= 0:
            raise StatsError(f"df must be positive; got {df!r}")
        dist = stats.t(df)
        how = f"two one-sided t-tests ({df:g} df)"
    else:
        dist = stats.norm()
        how = "two one-sided z-tests"
    p_lower = float(dist.sf((estimate + bound) / se))
    p_upper = float(dist.cdf((estimate - bound) / se))
    p_zero = float(2 * dist.sf(abs(estimate) / se))
    p = max(p_lower, p_upper)
    half = float(dist.ppf(1 - alpha)) * se
    equivalent = p < alpha
    verdict = ("equivalent" if equivalent else "different" if p_zero < alpha
               else "inconclusive")
    return EquivalenceResult(estimate, estimate - half, estimate + half, se, df, p, p_lower,
                             p_upper, p_zero, bound, alpha, bool(equivalent), verdict, n,
                             f"equivalence test: {how} against ±{bound:g}")

