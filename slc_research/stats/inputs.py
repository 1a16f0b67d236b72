"""Input checks shared by the statistics modules, and the noncentral-t interval.

Every check raises :class:`~slc_research.errors.StatsError` with a message
that says what was found and what to do, so that bad input never reaches numpy
as a warning and a NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

from slc_research.errors import StatsError

__all__: list[str] = []  # internal helpers


def nct_limits(t: float, df: float, confidence: float) -> tuple[float, float]:
    """Noncentrality parameters λ with P(T <= t | λ) = 1 - α/2 and α/2 (lower, upper)."""
    alpha = 1 - confidence

    def solve(p: float) -> float:
        def f(ncp: float) -> float:
            return _nct_cdf(t, df, ncp) - p

        step = 2.0 + abs(t) / 2
        lo, hi = t - step, t + step
        for _ in range(60):  # the cdf falls as λ grows: widen until the root is bracketed
            f_lo, f_hi = f(lo), f(hi)
            if f_lo > 0 and f_hi < 0:
                try:
                    return float(optimize.brentq(f, lo, hi, xtol=1e-12, maxiter=500))
                except (ValueError, RuntimeError):
                    break
            if not (np.isfinite(f_lo) and np.isfinite(f_hi)):
                break
            step *= 2
            lo, hi = (lo - step if f_lo <= 0 else lo), (hi + step if f_hi >= 0 else hi)
        raise StatsError(f"could not compute a noncentral-t interval for t = {t:.3g}, "
                         f"df = {df}; use ci='normal'")

    return solve(1 - alpha / 2), solve(alpha / 2)


def _nct_cdf(t: float, df: float, ncp: float) -> float:
    """P(T <= t) for T noncentral t with ``df`` and noncentrality ``ncp``.

    SciPy's series (Boost) returns NaN far in the tails with very few degrees of
    freedom (df = 1, |t| near 5); there the probability is integrated directly:
    T = (Z + ncp) / sqrt(V / df) with V chi-square on df, so
    P(T <= t) = E[Phi(t * sqrt(V / df) - ncp)].
    """
    p = float(stats.nct.cdf(t, df, ncp))
    if math.isfinite(p):
        return p
    value, _ = integrate.quad(
        lambda v: stats.norm.cdf(t * math.sqrt(v / df) - ncp) * stats.chi2.pdf(v, df),
        0, np.inf, limit=200)
    return min(max(value, 0.0), 1.0)


def as_floats(values: Iterable[float], name: str) -> tuple[np.ndarray, int]:
    """Values as a 1-D float array without missing values, and how many were missing."""
    arr = to_array(values, name)
    missing = np.isnan(arr)
    return arr[~missing], int(missing.sum())


def complete_pairs(x, y, names: tuple[str, str] = ("x", "y")
                    ) -> tuple[np.ndarray, np.ndarray, int]:
    """The pairs where both values are present, and how many pairs were incomplete."""
    a, b = to_array(x, names[0]), to_array(y, names[1])
    if len(a) != len(b):
        raise StatsError(f"paired samples must have the same length (one value per person "
                         f"in each); got {len(a)} and {len(b)}")
    keep = ~(np.isnan(a) | np.isnan(b))
    return a[keep], b[keep], int((~keep).sum())


def to_array(values, name: str) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        arr = values.astype(float)  # the common case, without a round trip through pandas
    else:
        try:
            s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
            arr = pd.to_numeric(s, errors="raise").astype("Float64").to_numpy(
                dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise StatsError(f"{name} must hold numbers (missing values allowed): {exc}") from None
    if arr.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional (one value per person); "
                         f"got shape {arr.shape}")
    if np.isinf(arr).any():
        raise StatsError(f"{name} holds infinite values; remove or correct them")
    return arr


def two_samples(x, y, confidence: float) -> tuple[np.ndarray, int, np.ndarray, int]:
    """Both groups as floats (missing left out, counted), each with at least two values."""
    check_confidence(confidence)
    x_, dx = as_floats(x, "x")
    y_, dy = as_floats(y, "y")
    need(len(x_), 2, "values in the first group (x)")
    need(len(y_), 2, "values in the second group (y)")
    return x_, dx, y_, dy


def check_confidence(confidence: float) -> None:
    if not (isinstance(confidence, int | float) and 0 < confidence < 1):
        raise StatsError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")


def check_choice(value, allowed: Sequence, name: str) -> None:
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise StatsError(f"{name} must be one of {options}; got {value!r}")


def need(n: int, minimum: int, what: str) -> None:
    if n < minimum:
        raise StatsError(f"at least {minimum} {what} are needed; found {n}")


def need_spread(sd: float, where: str,
                 consequence: str = "a standardised difference cannot be computed") -> None:
    if not (np.isfinite(sd) and sd > 0):
        raise StatsError(f"every value in {where} is the same, so {consequence}")


def frame_columns(data, names: Iterable[str]) -> None:
    """Check that ``data`` is a DataFrame holding every named column."""
    if not isinstance(data, pd.DataFrame):
        raise StatsError(f"data must be a pandas DataFrame (one row per pupil or per pupil "
                         f"and wave); got {type(data).__name__}")
    missing = [c for c in names if c not in data.columns]
    if missing:
        have = ", ".join(map(str, data.columns[:20]))
        raise StatsError(f"column(s) {', '.join(map(repr, missing))} not in the data; "
                         f"its columns are: {have}")


def indicator(values: pd.Series, level, *, column: str, argument: str,
               example: str) -> np.ndarray:
    """0/1 array: 1 where ``values`` equals ``level``.

    ``level`` None is allowed only for a boolean column (True is 1). Every
    (non-missing) value must be one of exactly two levels, one of them ``level``.
    """
    present = values.dropna()
    levels = list(pd.unique(present))
    if level is None:
        if present.dtype.kind == "b" or (len(levels) and all(isinstance(v, bool | np.bool_)
                                                            for v in levels)):
            level = True
        else:
            shown = ", ".join(map(repr, levels[:6]))
            raise StatsError(f"say which value of {column!r} is the {example}: pass "
                             f"{argument}=<value> (the values are {shown}), or make the "
                             f"column True/False with True for the {example}")
    if len(levels) != 2:
        shown = ", ".join(map(repr, levels[:6]))
        raise StatsError(f"{column!r} must hold exactly two values (found {len(levels)}: "
                         f"{shown}); filter the data to the two you want to compare")
    if not any(v == level for v in levels):
        shown = ", ".join(map(repr, levels))
        raise StatsError(f"{argument}={level!r} is not a value of {column!r}; "
                         f"its values are {shown}")
    return (values == level).to_numpy(dtype=float, na_value=np.nan)


def finite_number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise StatsError(f"{name} must be a number; got {value!r}")
    if not math.isfinite(value):
        raise StatsError(f"{name} must be a finite number; got {value!r}")
    return float(value)


def whole_number(value, name: str) -> int:
    number = finite_number(value, name)
    if not number.is_integer():
        raise StatsError(f"{name} must be a whole number of pupils; got {value!r}")
    return int(number)
