"""Do two coders agree? Cohen's kappa per code and Krippendorff's alpha over all codes.

Each code is a yes/no decision per text ("does this code apply here?"); the
two coders are compared on the texts both coded. The statistics themselves
come from :mod:`slc_research.stats` (:func:`~slc_research.stats.cohen_kappa`,
:func:`~slc_research.stats.krippendorff_alpha`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from slc_research.errors import ConfigError
from slc_research.qual.codings import coded_texts, require_columns
from slc_research.stats import StatsError, codings_matrix, cohen_kappa, krippendorff_alpha
from slc_research.words import plural

__all__ = ["AGREEMENT_COLUMNS", "OVERALL", "POOLED_KAPPA", "agreement_records", "agreement_table",
           "coder_agreement"]

#: Columns of :func:`coder_agreement`, in order.
AGREEMENT_COLUMNS = ("code", "statistic", "estimate", "ci_low", "ci_high", "n",
                     "pct_agreement", "n_first", "n_second", "note")
#: The ``code`` of the overall row (Krippendorff's alpha over every code).
OVERALL = "All codes"
#: The ``statistic`` of the overall Cohen's kappa (every text-code decision pooled).
POOLED_KAPPA = "Cohen's kappa (pooled)"


def coder_agreement(texts: pd.DataFrame, codings: pd.DataFrame, *,
                    coders: Sequence[str] | None = None, n_resamples: int = 1000,
                    seed: int = 0) -> pd.DataFrame:
    """Agreement of two coders on the texts both coded, code by code and overall.

    Parameters
    ----------
    texts, codings : DataFrame
        The ``texts`` and ``codings`` tables. Codings of texts not in ``texts``
        (withdrawn authors) are left out.
    coders : pair of str, optional
        The two coders to compare (default: the two who coded most texts; ties
        by name).
    n_resamples : int, default 1000
        Bootstrap resamples for the interval of alpha.
    seed : int, default 0

    Returns
    -------
    DataFrame
        One row per code (``statistic`` "Cohen's kappa"), then two rows with
        ``code`` = :data:`OVERALL`: Cohen's kappa over every text-code decision
        pooled (``statistic`` :data:`POOLED_KAPPA`) and Krippendorff's alpha:
        ``estimate``, ``ci_low``, ``ci_high`` (95%), ``n`` (texts both coded;
        for alpha, text-code decisions), ``pct_agreement`` (0-100),
        ``n_first`` / ``n_second`` (texts each coder gave the code), ``note``
        (why an estimate is missing, e.g. neither coder used the code).
        ``attrs``: ``coders`` (the pair), ``n_texts`` (texts both coded) and
        ``message``, a sentence saying why the table is empty when fewer than two
        coders coded the same texts.

    Raises
    ------
    ConfigError
        ``coders`` not a pair of different coders, or a coder who coded nothing.

    Notes
    -----
    Kappa per code is computed on presence (1) or absence (0) of the code in
    each text both coders coded. The pooled kappa and alpha (nominal) treat
    each text-code decision as a unit (codes used by either coder on those
    texts); their intervals ignore that decisions on one text go together, so
    they are a little narrow. With two coders and many units the two agree
    closely (alpha is kappa with the coders' shares of each value pooled).
    """
    require_columns(codings, ("text_id", "coder", "code"), "codings")
    ct = coded_texts(texts, codings)
    ct = ct[ct["coder"].notna()]
    per_coder = ct.groupby(ct["coder"].astype(str))["text_id"].nunique()
    if coders is None:
        ranked = sorted(per_coder.items(), key=lambda kv: (-kv[1], kv[0]))
        pair = tuple(c for c, _ in ranked[:2])
    else:
        pair = tuple(coders) if not isinstance(coders, str) else (coders,)
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ConfigError(f"coders must be two different coders, e.g. ['A', 'B']; found "
                              f"{coders!r}", key="coders")
        unknown = [c for c in pair if c not in per_coder.index]
        if unknown:
            raise ConfigError(f"no codings by coder(s) {', '.join(map(str, unknown))}; coders "
                              f"are {', '.join(per_coder.index) or '(none)'}", key="coders")
    if len(pair) < 2:
        who = "Only one coder has" if pair else "No coder has yet"
        return _empty(pair, 0, f"{who} coded these texts: agreement needs a second coder to "
                      "code some of the same texts independently (about one in five).")
    first, second = pair
    ct = ct[ct["coder"].isin(pair)]
    shared = sorted(set(ct.loc[ct["coder"] == first, "text_id"])
                    & set(ct.loc[ct["coder"] == second, "text_id"]))
    if len(shared) < 2:
        return _empty(pair, len(shared), f"Coders {first} and {second} both coded "
                      f"{plural(len(shared), 'text')}: agreement needs at least 2 texts coded by both.")
    ct = ct[ct["text_id"].isin(shared)]
    presence = pd.crosstab([ct["coder"].astype(str), ct["text_id"]], ct["code"].astype(str)) \
        .clip(upper=1)
    codes = sorted(presence.columns)
    a = presence.loc[first].reindex(index=shared, columns=codes, fill_value=0)
    b = presence.loc[second].reindex(index=shared, columns=codes, fill_value=0)
    rows = [_kappa_row(code, a[code], b[code]) for code in codes]
    pooled = _kappa_row(OVERALL, pd.Series(a.to_numpy().ravel()), pd.Series(b.to_numpy().ravel()))
    rows.append((*pooled[:1], POOLED_KAPPA, *pooled[2:]))
    rows.append(_alpha_row(a, b, first, second, n_resamples, seed))
    out = pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))
    out = out.astype({"code": "string", "statistic": "string", "note": "string"})
    out.attrs.update(coders=pair, n_texts=len(shared), message="")
    return out


def agreement_table(result: pd.DataFrame) -> pd.DataFrame:
    """A reader's table of :func:`coder_agreement`, headed with the coders' names.

    Returns
    -------
    DataFrame
        ``Code``, ``Measure``, ``Estimate``, ``95% CI from``, ``to``,
        ``Texts (all codes: decisions)`` (for the overall rows: text-code decisions), ``% agreement``, texts each coder
        gave the code, and ``Note``.
    """
    first, second = (tuple(result.attrs.get("coders", ())) + ("first coder", "second coder"))[:2]
    return result.rename(columns={
        "code": "Code", "statistic": "Measure", "estimate": "Estimate", "ci_low": "95% CI from",
        "ci_high": "to", "n": "Texts (all codes: decisions)", "pct_agreement": "% agreement",
        "n_first": f"Coder {first} gave it", "n_second": f"Coder {second} gave it",
        "note": "Note"}).reset_index(drop=True)


def agreement_records(result: pd.DataFrame) -> dict:
    """The headline numbers of :func:`coder_agreement`, ready for ``record_all``.

    Returns
    -------
    dict
        ``coders`` (list), ``n_texts_double_coded``, ``kappa`` (code ->
        ``{"estimate", "ci_low", "ci_high", "n"}``; codes without an estimate left
        out), ``kappa_overall`` (pooled) and ``alpha`` (the same keys, or None).
    """
    def numbers(row) -> dict:
        return {k: (None if pd.isna(row[k]) else float(row[k]))
                for k in ("estimate", "ci_low", "ci_high")} | {"n": int(row["n"])}

    kappa = {str(r["code"]): numbers(r) for _, r in result.iterrows()
             if r["statistic"] == "Cohen's kappa" and not pd.isna(r["estimate"])}
    overall = result[result["code"] == OVERALL].set_index("statistic")
    alpha = numbers(overall.loc["Krippendorff's alpha"]) if len(overall) else None
    pooled = numbers(overall.loc[POOLED_KAPPA]) if len(overall) else None
    return {"coders": list(result.attrs.get("coders", ())),
            "n_texts_double_coded": int(result.attrs.get("n_texts", 0)),
            "kappa": kappa, "kappa_overall": pooled, "alpha": alpha}


# --- internals -------------------------------------------------------------------------------

def _kappa_row(code: str, a: pd.Series, b: pd.Series) -> tuple:
    pct = 100 * float((a.to_numpy() == b.to_numpy()).mean())
    est = lo = hi = math.nan
    note = ""
    try:
        k = cohen_kappa(a.to_numpy(), b.to_numpy(), categories=[0, 1])
        est, lo, hi = k.estimate, k.ci_low, k.ci_high
        if not (a.any() and b.any()):  # one coder never gave it: kappa is 0, its SE 0
            lo = hi = math.nan
            note = ("only one coder gave this code, so kappa is 0 whatever the agreement; "
                    "see % agreement")
    except StatsError:
        note = ("neither coder used this code on these texts" if not (a.any() or b.any())
                else "both coders gave this code to every text: kappa is undefined")
    return (code, "Cohen's kappa", est, lo, hi, len(a), pct, int(a.sum()), int(b.sum()), note)


def _alpha_row(a: pd.DataFrame, b: pd.DataFrame, first: str, second: str,
               n_resamples: int, seed: int) -> tuple:
    long = pd.concat([
        a.stack().rename("present").reset_index().assign(coder=first),
        b.stack().rename("present").reset_index().assign(coder=second)])
    long["unit"] = long["text_id"].astype(str) + "\x1f" + long.iloc[:, 1].astype(str)
    pct = 100 * float((a.to_numpy() == b.to_numpy()).mean())
    n = int(a.size)
    try:
        matrix = codings_matrix(long, unit="unit", coder="coder", code="present")
        res = krippendorff_alpha(matrix, level="nominal", n_resamples=n_resamples, seed=seed)
        return (OVERALL, "Krippendorff's alpha", res.estimate, res.ci_low, res.ci_high, n, pct,
                int(a.to_numpy().sum()), int(b.to_numpy().sum()), "")
    except StatsError as err:
        return (OVERALL, "Krippendorff's alpha", math.nan, math.nan, math.nan, n, pct,
                int(a.to_numpy().sum()), int(b.to_numpy().sum()), str(err))


def _empty(pair: tuple, n_texts: int, message: str) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="string" if c in ("code", "statistic", "note")
                                     else float) for c in AGREEMENT_COLUMNS})
    out.attrs.update(coders=pair, n_texts=n_texts, message=message)
    return out
