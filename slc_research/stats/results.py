"""What every statistics function returns: a small frozen result.

Every result exposes ``estimate``, ``ci_low``, ``ci_high`` (NaN where no
interval is defined), ``n`` and ``method``; significance tests add
``statistic``, ``df`` (None where not defined) and ``p_value``. ``to_frame()``
gives one tidy row (or more, for results with parts), ``to_dict()`` a plain
dict, and ``str()`` an APA-style sentence fragment. Numbers are never rounded
inside; only ``str()`` rounds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

__all__ = ["ResultMixin", "TestResult", "format_ci", "format_number", "format_p"]


def format_number(x: float | None, places: int = 2) -> str:
    """``0.4123`` -> ``"0.41"``; NaN or None -> ``"n/a"``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{places}f}"


def format_p(p: float | None) -> str:
    """APA style p: ``"p < .001"``, ``"p = .040"`` (three places, no leading zero)."""
    if p is None or math.isnan(p):
        return "p = n/a"
    if p < 0.001:
        return "p < .001"
    text = f"{p:.3f}"
    return "p = " + (text[1:] if text.startswith("0") else text)


def format_ci(low: float, high: float, confidence: float = 0.95, places: int = 2) -> str:
    """``"95% CI [0.05, 0.77]"``."""
    return (f"{confidence * 100:g}% CI [{format_number(low, places)}, "
            f"{format_number(high, places)}]")


class ResultMixin:
    """``to_dict`` and ``to_frame`` for frozen result dataclasses.

    Fields holding a mapping (``extra``) are spread into the row; fields
    holding a DataFrame (per-item or per-study tables) are left out of the
    row and reached as attributes.
    """

    def to_dict(self) -> dict[str, Any]:
        """Every scalar field in a plain dict, a mapping field (``extra``) spread into it.

        Fields holding a DataFrame or a Series are left out.
        """
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, pd.DataFrame | pd.Series):
                continue
            if isinstance(value, Mapping):
                out.update(value)
            else:
                out[f.name] = value
        return out

    def to_frame(self) -> pd.DataFrame:
        """One tidy row holding every scalar field."""
        return pd.DataFrame([self.to_dict()])


@dataclass(frozen=True)
class TestResult(ResultMixin):
    """A significance test with its effect estimate.

    Attributes
    ----------
    estimate : float
        The effect estimate (a difference, a rank-biserial r, an odds ratio ...).
    ci_low, ci_high : float
        Its confidence interval (NaN where none is defined).
    n : int
        People (or pairs) in the analysis.
    method : str
        The test in words, e.g. ``"Welch's t-test"``.
    statistic : float
        The test statistic.
    df : float or None
        Its degrees of freedom, where defined.
    p_value : float
        Two-sided unless ``alternative`` says otherwise.
    estimate_name : str
        The estimate's symbol in ``str()``: ``"difference"``, ``"r_rb"``, ...
    statistic_name : str
        The statistic's symbol: ``"t"``, ``"U"``, ``"W"``, ``"chi2"``, ``"z"``.
    confidence : float
    alternative : str
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    extra : dict
        Further numbers (group sizes, means, counts), spread into ``to_frame()``.
    """

    __test__ = False  # not a pytest test class

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    statistic: float
    df: float | None
    p_value: float
    estimate_name: str = "difference"
    statistic_name: str = "t"
    confidence: float = 0.95
    alternative: str = "two-sided"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        stat = self.statistic_name
        if self.df is not None:
            df = f"{self.df:.0f}" if float(self.df).is_integer() else f"{self.df:.1f}"
            stat += f"({df})"
        parts = [f"{stat} = {format_number(self.statistic)}, {format_p(self.p_value)}",
                 f"{self.estimate_name} = {format_number(self.estimate)}"]
        if not (math.isnan(self.ci_low) or math.isnan(self.ci_high)):
            parts[-1] += ", " + format_ci(self.ci_low, self.ci_high, self.confidence)
        return "; ".join(parts) + f", n = {self.n}"


