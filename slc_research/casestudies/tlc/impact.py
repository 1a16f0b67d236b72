"""The TLC impact case study: who joined, how many, how often, and what they tried.

Pure functions on the canonical tables (see :mod:`slc_research.data.schemas`);
each returns a tidy DataFrame or a stats result and prints nothing. The staff
survey (Likert answers, reliability, open comments) lives in
:mod:`slc_research.casestudies.tlc.staff_survey`, the action-planning cycle in
:mod:`slc_research.casestudies.tlc.action_plans`; :mod:`slc_research.casestudies.tlc.study`
puts them together into the report's result.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from slc_research import stats
from slc_research.casestudies.parameters import close_matches
from slc_research.errors import ConfigError
from slc_research.measures.attendance import HALF_TERMS, academic_year, school_period
from slc_research.privacy.suppression import suppress_small

__all__ = [
    "EXPERIENCE_BANDS", "NOT_TEACHING", "ROLE_BANDS", "SECONDARY", "TABLES", "breadth_tests",
    "check_scope", "experience_band", "half_term_number", "meeting_attendance_by_half_term",
    "membership_breadth", "publish", "resolve_scope", "role_band", "share_growth",
    "teaching_share_by_year", "teaching_staff", "with_wilson",
]

#: Role bands, in order, and the staff-list roles (lower case) that fall in each.
ROLE_BANDS = {
    "Senior leaders": ("headteacher", "head teacher", "executive headteacher", "deputy head",
                       "deputy headteacher", "senior deputy head", "assistant head",
                       "assistant headteacher"),
    "Middle leaders": ("head of department", "second in department", "head of faculty",
                       "subject leader", "head of year"),
    "Classroom teachers": ("classroom teacher", "teacher"),
    "Early career (ECT/NQT)": ("ect", "nqt", "early career teacher", "newly qualified teacher"),
}
#: Roles that are not teaching staff (left out of every denominator of teaching staff).
NOT_TEACHING = ("teaching assistant", "ta", "learning support assistant", "cover supervisor")
#: Years-of-experience bands: (label, lowest, highest).
EXPERIENCE_BANDS = (("0-2 years", 0, 2), ("3-5 years", 3, 5), ("6-10 years", 6, 10),
                    ("11-20 years", 11, 20), ("21+ years", 21, np.inf))
_OTHER_ROLE = "Other roles"
_NOT_TEACHING_BAND = "Not teaching staff"


# --- the report's scope ----------------------------------------------------------------------

def check_scope(communities: pd.DataFrame, *, schools: Collection[str], scales: Collection[str],
                school: str = "", community: str = "", scale: str = "tlc_impact") -> None:
    """Check the notebook's ``school``, ``community`` and ``scale`` against the enquiry.

    The parameters' own checks (text, stripped) are in
    :data:`slc_research.casestudies.tlc.STUDY`; these need the opened enquiry.

    Parameters
    ----------
    communities : DataFrame
        The ``communities`` table.
    schools : collection of str
        The enquiry's schools.
    scales : collection of str
        The scales of ``enquiry.toml``.
    school, community, scale : str
        As checked by ``STUDY.validate``.

    Raises
    ------
    ConfigError
        Naming the parameter, what was found, what is expected and close matches.
    """
    if school and school not in schools:
        raise ConfigError(f"no school called {school!r}; {close_matches(school, list(schools))}",
                          key="school")
    tlcs = communities.loc[communities["kind"].astype("string") == "tlc"]
    if community:
        names = sorted(tlcs["community"].dropna().astype(str))
        if community not in names:
            raise ConfigError(f"no TLC called {community!r}; {close_matches(community, names)}",
                              key="community")
        where = tlcs.loc[tlcs["community"] == community, "school"].dropna().astype(str)
        if school and len(where) and school not in set(where):
            raise ConfigError(f"the TLC {community!r} belongs to {where.iloc[0]!r}, not "
                              f"{school!r}; set school = \"\" or choose one of its TLCs",
                              key="community")
    elif tlcs.empty:
        raise ConfigError("this enquiry has no TLC; add a memberships source with "
                          "community_kind = \"tlc\"", key="community")
    if scale not in scales:
        raise ConfigError(f"no scale called {scale!r} in enquiry.toml; "
                          f"{close_matches(scale, sorted(scales))}", key="scale")


def resolve_scope(communities: pd.DataFrame, *, school: str = "",
                  community: str = "") -> tuple[list[str], list[str]]:
    """The TLCs and the schools a report covers.

    Returns
    -------
    (list of str, list of str)
        TLC names and their schools (every TLC of ``school``, or the one named).
    """
    tlcs = communities.loc[communities["kind"].astype("string") == "tlc"]
    if community:
        tlcs = tlcs.loc[tlcs["community"] == community]
    elif school:
        tlcs = tlcs.loc[tlcs["school"] == school]
    names = sorted(tlcs["community"].dropna().astype(str))
    schools = sorted(tlcs["school"].dropna().astype(str).unique())
    return names, ([school] if school and not schools else schools)


# --- who the staff are -----------------------------------------------------------------------

def role_band(roles: pd.Series) -> pd.Series:
    """The role band of each staff-list role (see :data:`ROLE_BANDS`)."""
    low = roles.astype("string").str.strip().str.lower()
    out = pd.Series(_OTHER_ROLE, index=roles.index, dtype="string")
    for band, names in ROLE_BANDS.items():
        out = out.mask(low.isin(names).fillna(False).astype(bool), band)
    out = out.mask(low.isin(NOT_TEACHING).fillna(False).astype(bool), _NOT_TEACHING_BAND)
    return out.mask(low.isna(), pd.NA)


def experience_band(years: pd.Series) -> pd.Series:
    """The experience band of each number of years' teaching (see :data:`EXPERIENCE_BANDS`)."""
    y = pd.to_numeric(years, errors="coerce").astype(float).round()
    labels = [b[0] for b in EXPERIENCE_BANDS]
    cut = pd.cut(y, [-0.5] + [b[2] + 0.5 for b in EXPERIENCE_BANDS], labels=labels)
    return pd.Series(cut.astype(object), index=years.index, dtype="string")


def teaching_staff(staff: pd.DataFrame, schools: list[str] | None = None) -> pd.DataFrame:
    """Teaching staff on the staff list (Teaching Assistants and similar left out)."""
    keep = role_band(staff["role"]).fillna(_OTHER_ROLE) != _NOT_TEACHING_BAND
    if schools:
        keep &= staff["school"].isin(schools).fillna(False).astype(bool)
    return staff.loc[keep.to_numpy(dtype=bool)]


def _tlc_memberships(memberships: pd.DataFrame, communities: list[str]) -> pd.DataFrame:
    m = memberships.loc[memberships["community"].isin(communities).fillna(False).astype(bool)]
    return m.loc[m["member_type"].astype("string").fillna("staff") == "staff"]


def _year_bounds(year: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = int(year[:4])
    return pd.Timestamp(start, 8, 1), pd.Timestamp(start + 1, 7, 31)


def _members_in_year(m: pd.DataFrame, year: str) -> set[str]:
    start, end = _year_bounds(year)
    joined = m["joined"].fillna(start)
    on = (joined <= end) & (m["left"].isna() | (m["left"] >= start))
    return set(m.loc[on.to_numpy(dtype=bool), "member_id"].dropna().astype(str))


def membership_breadth(staff: pd.DataFrame, memberships: pd.DataFrame, communities: list[str],
                       *, schools: list[str] | None = None,
                       year: str | None = None) -> pd.DataFrame:
    """Members by department, role band and experience, beside all teaching staff.

    Parameters
    ----------
    staff, memberships : DataFrame
        Canonical tables.
    communities : list of str
        The TLCs covered.
    schools : list of str, optional
        The schools whose teaching staff form the comparison (default: every school).
    year : str, optional
        Only memberships overlapping this academic year (e.g. ``"2025-26"``).

    Returns
    -------
    DataFrame
        ``characteristic`` (Department, Role, Experience), ``level``, ``n_members``,
        ``pct_members``, ``n_teaching``, ``pct_teaching``, ``members_total``,
        ``teaching_total``. Members who are not teaching staff appear as a role.
    """
    m = _tlc_memberships(memberships, communities)
    ids = _members_in_year(m, year) if year else set(m["member_id"].dropna().astype(str))
    people = staff.loc[staff["staff_id"].isin(ids).fillna(False).astype(bool)]
    teach = teaching_staff(staff, schools)
    rows = []
    for name, fn in (("Department", lambda s: s["department"].astype("string")),
                     ("Role", lambda s: role_band(s["role"])),
                     ("Experience", lambda s: experience_band(s["years_experience"]))):
        a = fn(people).fillna("Not recorded").value_counts()
        b = fn(teach).fillna("Not recorded").value_counts()
        t = pd.DataFrame({"n_members": a, "n_teaching": b}).fillna(0).astype("int64")
        t = t.rename_axis("level").reset_index().assign(characteristic=name)
        rows.append(t)
    out = pd.concat(rows, ignore_index=True)
    out["members_total"], out["teaching_total"] = len(people), len(teach)
    out["pct_members"] = 100 * out["n_members"] / max(len(people), 1)
    out["pct_teaching"] = 100 * out["n_teaching"] / max(len(teach), 1)
    order = {"Role": [*ROLE_BANDS, _OTHER_ROLE, _NOT_TEACHING_BAND],
             "Experience": [b[0] for b in EXPERIENCE_BANDS]}
    out["_o"] = [order.get(c, []).index(lv) if lv in order.get(c, []) else 99
                 for c, lv in zip(out["characteristic"], out["level"], strict=True)]
    out = out.sort_values(["characteristic", "_o", "n_members"], ascending=[True, True, False])
    return out[["characteristic", "level", "n_members", "pct_members", "n_teaching",
                "pct_teaching", "members_total", "teaching_total"]].reset_index(drop=True)


def breadth_tests(staff: pd.DataFrame, memberships: pd.DataFrame, communities: list[str], *,
                  schools: list[str] | None = None, year: str | None = None) -> pd.DataFrame:
    """Do volunteers differ from the other teaching staff? One association test per characteristic.

    Returns
    -------
    DataFrame
        ``characteristic``, ``test``, ``statistic``, ``df``, ``p``, ``cramers_v``, ``n``
        (teaching staff); a characteristic with one category only is left out.
    """
    m = _tlc_memberships(memberships, communities)
    ids = _members_in_year(m, year) if year else set(m["member_id"].dropna().astype(str))
    teach = teaching_staff(staff, schools)
    member = np.where(teach["staff_id"].isin(ids).fillna(False), "member", "not a member")
    rows = []
    for name, values in (("Department", teach["department"].astype("string")),
                         ("Role", role_band(teach["role"])),
                         ("Experience", experience_band(teach["years_experience"]))):
        try:
            r = stats.association_test(member, values.astype(object).where(values.notna(), None))
        except stats.StatsError:
            continue
        # Fisher's exact test has no test statistic to report ("–", not 0.00)
        statistic = np.nan if "fisher" in r.method.lower() else r.statistic
        rows.append({"characteristic": name, "test": r.method, "statistic": statistic,
                     "df": r.df, "p": r.p_value, "cramers_v": r.estimate, "n": r.n})
    return pd.DataFrame(rows, columns=["characteristic", "test", "statistic", "df", "p",
                                       "cramers_v", "n"])


# --- how many take part ----------------------------------------------------------------------

def teaching_share_by_year(staff: pd.DataFrame, memberships: pd.DataFrame,
                           communities: list[str], *, schools: list[str] | None = None,
                           through: str | None = None) -> pd.DataFrame:
    """Share of teaching staff who were TLC members in each academic year, with Wilson CIs.

    A member counts in a year when their membership (joined - left) overlaps it.
    The denominator is the teaching staff on the current staff list (Teaching
    Assistants left out) in every year: the staff list holds no past years.

    Returns
    -------
    DataFrame
        ``year``, ``k`` (teaching-staff members), ``n`` (teaching staff),
        ``estimate``, ``ci_low``, ``ci_high`` (proportions, 0-1).
    """
    m = _tlc_memberships(memberships, communities)
    teach = set(teaching_staff(staff, schools)["staff_id"].dropna().astype(str))
    dates = pd.concat([m["joined"], m["left"]]).dropna()
    years = sorted(set(academic_year(dates)) | ({through} if through else set()))
    if years:
        first, last = int(years[0][:4]), int(years[-1][:4])
        years = [f"{y}-{(y + 1) % 100:02d}" for y in range(first, last + 1)]
    rows = []
    for year in years:
        k = len(_members_in_year(m, year) & teach)
        if not teach:
            continue
        p = stats.wilson_ci(k, len(teach))
        rows.append({"year": year, "k": k, "n": len(teach), "estimate": p.estimate,
                     "ci_low": p.ci_low, "ci_high": p.ci_high})
    return pd.DataFrame(rows, columns=["year", "k", "n", "estimate", "ci_low", "ci_high"])


def share_growth(shares: pd.DataFrame) -> pd.DataFrame:
    """Change in the share of teaching staff taking part between consecutive years.

    Returns
    -------
    DataFrame
        ``from_year``, ``to_year``, ``difference`` (percentage points),
        ``ci_low``, ``ci_high``, ``p``, ``test``; empty with fewer than two years.

    Notes
    -----
    Newcombe's interval for independent proportions
    (:func:`slc_research.stats.proportion_difference`); the same staff appear in
    both years, so the interval is approximate (usually somewhat too wide).
    """
    rows = []
    for a, b in zip(shares.iloc[:-1].itertuples(), shares.iloc[1:].itertuples(), strict=True):
        r = stats.proportion_difference(b.k, b.n, a.k, a.n)
        rows.append({"from_year": a.year, "to_year": b.year, "difference": 100 * r.estimate,
                     "ci_low": 100 * r.ci_low, "ci_high": 100 * r.ci_high, "p": r.p_value,
                     "test": str(r.extra["test"]).replace("Pearson ", "")})
    return pd.DataFrame(rows, columns=["from_year", "to_year", "difference", "ci_low",
                                       "ci_high", "p", "test"])


# --- meetings and the action-planning cycle --------------------------------------------------

def half_term_number(dates: pd.Series) -> pd.Series:
    """Half term 1-6 of each date (the rule of :data:`~slc_research.measures.attendance.HALF_TERMS`)."""
    names = school_period(dates, by="half_term")
    number = {n: i for i, (n, _) in enumerate(HALF_TERMS, start=1)}
    return pd.Series(names.map(number).to_numpy(), index=dates.index, dtype="Int64")


def meeting_attendance_by_half_term(meetings: pd.DataFrame, attendance: pd.DataFrame,
                                    communities: list[str], *,
                                    year: str | None = None) -> pd.DataFrame:
    """Percentage of members on the register present at each half-term's meeting, per TLC.

    Returns
    -------
    DataFrame
        ``community`` (plus ``"All TLCs"``), ``half_term`` (1-6), ``n_meetings``,
        ``n`` (member places on the registers), ``n_present``, ``pct``, ``ci_low``,
        ``ci_high`` (Wilson, in %).
    """
    mt = meetings.loc[meetings["community"].isin(communities).fillna(False).astype(bool)]
    if year:
        mt = mt.loc[(academic_year(mt["date"]) == year).to_numpy(dtype=bool)]
    mt = mt.assign(half_term=half_term_number(mt["date"]))
    reg = attendance.merge(mt[["meeting_id", "community", "half_term"]], on="meeting_id")
    reg = reg.assign(present=reg["attended"].fillna(False).astype(bool))
    both = pd.concat([reg, reg.assign(community="All TLCs")]) if len(communities) > 1 else reg
    out = both.groupby(["community", "half_term"], observed=True).agg(
        n_meetings=("meeting_id", "nunique"), n=("present", "size"),
        n_present=("present", "sum")).reset_index()
    return with_wilson(out, "n_present", "n", "pct")


def with_wilson(frame: pd.DataFrame, k: str, n: str, name: str) -> pd.DataFrame:
    """``frame`` with the percentage ``k`` of ``n`` and its Wilson 95% interval added.

    Parameters
    ----------
    frame : DataFrame
        One row per group, with the count columns ``k`` (successes) and ``n`` (trials).
    k, n : str
        The two count columns.
    name : str
        The percentage column to add; its interval is ``ci_low``/``ci_high`` for
        ``"pct"``, else ``<name>_ci_low``/``<name>_ci_high``. Rows with ``n`` = 0 get NaN.

    Returns
    -------
    DataFrame
        A copy of ``frame`` with the three columns (percentages, 0-100).
    """
    out = frame.copy()
    cis = [stats.wilson_ci(int(a), int(b)) if b > 0 else None
           for a, b in zip(out[k], out[n], strict=True)]
    out[name] = [100 * c.estimate if c else np.nan for c in cis]
    low, high = ("ci_low", "ci_high") if name == "pct" else (f"{name}_ci_low", f"{name}_ci_high")
    out[low] = [100 * c.ci_low if c else np.nan for c in cis]
    out[high] = [100 * c.ci_high if c else np.nan for c in cis]
    return out


# --- report tables ---------------------------------------------------------------------------

def _ci(name: str) -> list[str]:
    return [name, f"{name}_ci_low", f"{name}_ci_high"]


#: Per table kind: the counts that withhold values, and the reader's column names.
TABLES: dict[str, tuple[dict[str, list[str]], dict[str, str]]] = {
    "breadth": ({"n_members": ["pct_members"], "n_teaching": ["pct_teaching"]},
                {"characteristic": "Characteristic", "level": "Group", "n_members": "Members",
                 "pct_members": "% of members", "n_teaching": "Teaching staff",
                 "pct_teaching": "% of teaching staff"}),
    "share": ({"k": ["pct", "pct_ci_low", "pct_ci_high", "estimate", "ci_low", "ci_high"]},
              {"year": "Academic year", "k": "Teaching staff in a TLC", "n": "Teaching staff",
               "pct": "%", "pct_ci_low": "95% CI from", "pct_ci_high": "95% CI to"}),
    "attendance": ({"n": ["n_present", "pct", "ci_low", "ci_high"],
                    "n_present": ["pct", "ci_low", "ci_high"]},
                   {"community": "TLC", "half_term": "Half-term", "n_meetings": "Meetings",
                    "n": "Members on the registers", "n_present": "Present", "pct": "% present",
                    "ci_low": "95% CI from", "ci_high": "95% CI to"}),
    "cycle": ({"n_due": _ci("pct_reported"),
               "n_reported": _ci("pct_tried") + _ci("pct_partly") + _ci("pct_not_tried"),
               "n_tried": _ci("pct_tried"), "n_partly": _ci("pct_partly"),
               "n_not_tried": _ci("pct_not_tried")},
              {"half_term": "Half-term", "n_plans": "Plans made", "n_due": "Due back",
               "n_reported": "Reported back", "pct_reported": "% reported",
               "pct_tried": "% tried in full", "pct_tried_ci_low": "from", "pct_tried_ci_high": "to",
               "pct_partly": "% partly", "pct_not_tried": "% not tried"}),
    "strategies": ({"n_reported": ["pct_tried", "ci_low", "ci_high"],
                    "n_tried": ["pct_tried", "ci_low", "ci_high"]},
                   {"strategy": "Strategy", "n_plans": "Plans made",
                    "n_reported": "Reported back", "n_tried": "Tried (fully or partly)",
                    "pct_tried": "% tried", "ci_low": "95% CI from", "ci_high": "95% CI to"}),
}


#: Per table kind: where the groups add up to a published total (secondary suppression, see
#: :mod:`slc_research.privacy.suppression`). Plans and register places are counts of events, not of
#: people, and only have their small counts withheld: a kind not listed here says
#: ``partition_by=None``.
SECONDARY: dict[str, dict] = {
    "breadth": {"partition_by": "characteristic", "remainders": {"n_members": "n_teaching"}},
    "share": {"remainders": {"k": "n"}, "partition_by": None},  # years: the same staff again
    "attendance": {"partition_by": "half_term", "total": {"community": "All TLCs"}},
}


def publish(frame: pd.DataFrame, kind: str, *, threshold: int,
            display: bool = True) -> pd.DataFrame:
    """A table of this module, small groups withheld, for a reader or for a chart.

    Parameters
    ----------
    frame : DataFrame
        The output of the function named by ``kind``.
    kind : {"breadth", "share", "attendance", "cycle", "strategies"}
    threshold : int
        ``Enquiry.suppression_threshold``.
    display : bool, default True
        True: "<5" in withheld cells, the reader's columns and names (for
        ``show_table``). False: withheld cells NA, every column kept (for charts).

    Notes
    -----
    The levels of a characteristic add up to the members and to the teaching
    staff, and the TLCs' register places to the "All TLCs" row, so a withheld
    group withholds the next smallest one (:data:`SECONDARY`); a level where
    only a few teaching staff are not members withholds its member count.
    """
    if kind not in TABLES:
        raise ConfigError(f"unknown table kind {kind!r}; expected one of {', '.join(TABLES)}")
    counts, labels = TABLES[kind]
    out = frame.copy()
    if kind == "share":
        out = out.assign(pct=100 * out["estimate"], pct_ci_low=100 * out["ci_low"],
                         pct_ci_high=100 * out["ci_high"])
    out = suppress_small(out, count_cols=counts, threshold=threshold, display=display,
                         **SECONDARY.get(kind, {"partition_by": None}))
    if not display:
        return out
    return out[[c for c in labels if c in out.columns]].rename(columns=labels)
