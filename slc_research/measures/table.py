"""Every pupil measure of a workspace in one tidy table: what the explorer slices.

>>> table = measures_table(Enquiry.open("data/demo"))        # doctest: +SKIP
>>> table.measures                                           # doctest: +SKIP

:func:`measures_table` builds the table once: one row per pupil, measure and
wave (survey scales, attendance %, behaviour points, attainment), with the
pupil's characteristics and community memberships as group labels.
:func:`slc_research.casestudies.explore.analysis.explore` then only slices, filters and groups it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.errors import ConfigError
from slc_research.measures.attendance import school_period

__all__ = ["CHARACTERISTICS", "GROUPINGS", "OTHER_PUPILS", "WHOLE_YEAR", "Measure",
           "MeasuresTable", "measures_from_tables", "measures_table"]

#: Pupil characteristics carried on every row, as readable group labels.
CHARACTERISTICS = ("school", "year_group", "pupil_premium", "sen", "gender")
#: What the explorer can group by -> the label a teacher sees.
GROUPINGS = {"community": "Community membership", "year_group": "Year group",
             "pupil_premium": "Pupil premium", "sen": "SEN", "gender": "Gender",
             "school": "School"}
#: Label of the pupils who are not in the chosen community.
OTHER_PUPILS = "Other pupils"
NOT_RECORDED = "Not recorded"
_LABELS = {
    "pupil_premium": {True: "Pupil premium", False: "Not pupil premium"},
    "sen": {"none": "No SEN", "support": "SEN support", "ehcp": "EHC plan"},
    "gender": {"F": "Girls", "M": "Boys", "X": "Other / non-binary", "U": "Not known"},
}
_KIND_LABELS = {"slc": "Any student learning community (SLC)",
                "coproduction": "Any co-production pilot",
                "slc_conference": "Any student-led conference group",
                "tlc": "Any teacher learning community", "other": "Any other community"}
_TERMS = ("autumn", "spring", "summer")
#: The wave of attendance and behaviour that holds every term.
WHOLE_YEAR = "Whole year"


@dataclass(frozen=True)
class Measure:
    """One thing the explorer can show: ``key``, readable ``label``, ``unit`` and its ``waves``.

    A questionnaire scale also carries its answer scale: ``answers`` (lowest first) and
    ``first``, the number the first answer scores, so that its means are drawn on the
    whole scale (:func:`slc_research.charts.axes.answer_axis`). Other measures have none.
    Attendance and behaviour name :data:`WHOLE_YEAR` in ``spans``: it holds every term.
    """

    key: str
    label: str
    unit: str
    waves: tuple[str, ...]
    answers: tuple[str, ...] = ()
    first: int = 1
    spans: tuple[str, ...] = ()

    @property
    def change_waves(self) -> tuple[str, ...]:
        """The waves a change can be measured between: all but those in ``spans``.

        ``spans`` are waves that hold the others (the whole year of attendance or
        behaviour, which holds each term): a change from a term to the year it is part
        of is not a change over time.
        """
        return tuple(w for w in self.waves if w not in self.spans)


@dataclass(frozen=True, eq=False)
class MeasuresTable:
    """Every pupil measure in one tidy table, ready to slice.

    Attributes
    ----------
    data : DataFrame
        One row per pupil, measure and wave: ``pupil_id`` (pseudonymous,
        categorical), ``measure``, ``wave``, ``value`` (float) and the group
        labels of :data:`CHARACTERISTICS` (categoricals in display order).
        Sorted by measure and wave.
    measures : dict of str to Measure
        By key, in menu order.
    communities : dict of str to str
        Community choices for grouping: ``"kind:slc"`` or ``"community:<name>"``
        -> readable label. Only communities with pupil members.
    threshold : int
        Smallest group that may be published (the workspace's suppression threshold).
    """

    data: pd.DataFrame
    measures: dict[str, Measure]
    communities: dict[str, str]
    threshold: int
    _slices: dict[tuple[str, str], tuple[int, int]] = field(repr=False, default_factory=dict)
    _members: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    @classmethod
    def from_long(cls, data: pd.DataFrame, memberships: pd.DataFrame, *, threshold: int,
                  measures: Mapping[str, Measure] | None = None) -> MeasuresTable:
        """Index a long table (``pupil_id``, ``measure``, ``wave``, ``value`` + characteristics).

        ``memberships`` holds ``member_id``, ``community``, ``community_kind``
        (pupils only are used). Used by :func:`measures_from_tables` and by the benchmark.
        """
        d = data.assign(measure=data["measure"].astype("category"),
                        wave=data["wave"].astype("category"))
        d = d.sort_values(["measure", "wave"], kind="stable").reset_index(drop=True)
        d["pupil_id"] = d["pupil_id"].astype("category")
        if measures is None:
            measures = {m: Measure(m, m, "", tuple(str(w) for w in sorted(g["wave"].unique())))
                        for m, g in d.groupby("measure", sort=False, observed=True)}
        sizes = d.groupby(["measure", "wave"], sort=False, observed=True).size()
        stops = np.cumsum(sizes.to_numpy())
        slices = {(str(m), str(w)): (int(stop - size), int(stop))
                  for (m, w), size, stop in zip(sizes.index, sizes.to_numpy(), stops, strict=True)}
        ids = d["pupil_id"].cat.categories
        m = memberships.dropna(subset=["member_id", "community"])
        code = ids.get_indexer(m["member_id"].astype(str))
        m = m.assign(code=code)[code >= 0]
        members, choices = {}, {}
        for col, prefix in (("community_kind", "kind"), ("community", "community")):
            parts = dict(list(m.groupby(m[col].astype(str), sort=True)))
            if prefix == "kind":  # SLCs first: the default comparison
                parts = dict(sorted(parts.items(), key=lambda kv: (kv[0] != "slc", kv[0])))
            for name, g in parts.items():
                key = f"{prefix}:{name}"
                choices[key] = (_KIND_LABELS.get(name, f"Any {name} community")
                                if prefix == "kind" else name)
                members[key] = np.zeros(len(ids), dtype=bool)
                members[key][g["code"].to_numpy()] = True
        return cls(d, {k: v for k, v in measures.items() if any(k == s[0] for s in slices)},
                   choices, int(threshold), slices, members)

    def community_label(self, community: str) -> str:
        """Readable name of a community choice (``"kind:slc"`` -> "Any student ...")."""
        if community not in self.communities:
            raise ConfigError(f"no community choice {community!r}; choose one of "
                              f"{', '.join(self.communities) or 'none (no pupil members)'}",
                              key="community")
        return self.communities[community]

    def rows(self, measure: str, wave: str) -> pd.DataFrame:
        """The rows of one measure and wave (an empty frame when there are none)."""
        if measure not in self.measures:
            raise ConfigError(f"no measure {measure!r}; choose one of "
                              f"{', '.join(self.measures)}", key="measure")
        start, stop = self._slices.get((measure, str(wave)), (0, 0))
        return self.data.iloc[start:stop]


def _labelled(values: pd.Series, column: str) -> pd.Categorical:
    """Readable group labels for one characteristic, as an ordered categorical."""
    if column == "year_group":
        known = sorted(int(v) for v in values.dropna().unique())
        mapping = {v: f"Year {v}" for v in known}
        labels = values.map(lambda v: mapping.get(int(v)) if pd.notna(v) else None)
        order = [mapping[v] for v in known]
    elif column in _LABELS:
        mapping = _LABELS[column]
        raw = values.astype(object)
        labels = raw.map(lambda v: mapping.get(v, str(v)) if pd.notna(v) else None)
        order = [lab for lab in mapping.values() if lab in set(labels.dropna())]
        order += sorted(set(labels.dropna()) - set(order))
    else:
        labels = values.astype(object).where(values.notna(), None)
        order = sorted(set(labels.dropna()))
    if labels.isna().any():
        order.append(NOT_RECORDED)
    return pd.Categorical(labels.fillna(NOT_RECORDED), categories=order)


def _long(frame: pd.DataFrame, measure: str, wave: pd.Series | str, value: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"pupil_id": frame["pupil_id"].astype(str).to_numpy(), "measure": measure,
                         "wave": wave, "value": pd.to_numeric(value, errors="coerce")
                         .astype(float).to_numpy()})


def _latest_year(dates: pd.Series) -> np.ndarray:
    """Whether each date falls in the latest academic year (1 August - 31 July)."""
    d = pd.DatetimeIndex(dates)
    year = np.where(d.month >= 8, d.year, d.year - 1)
    return year == year.max() if len(year) else np.zeros(0, dtype=bool)


def measures_from_tables(pupils: pd.DataFrame, memberships: pd.DataFrame, *, threshold: int,
                         scale_scores: pd.DataFrame | None = None,
                         scale_labels: Mapping[str, str] | None = None,
                         scale_answers: Mapping[str, tuple[Sequence[str], int]] | None = None,
                         attendance_terms: pd.DataFrame | None = None,
                         behaviour: pd.DataFrame | None = None,
                         attainment: pd.DataFrame | None = None) -> MeasuresTable:
    """Build the explorer's table from canonical (or derived) tables.

    Parameters
    ----------
    pupils, memberships : DataFrame
        The canonical ``pupils`` and ``memberships`` tables.
    threshold : int
        The suppression threshold.
    scale_scores : DataFrame, optional
        ``Enquiry.scale_scores()``: pupils' scores become measure ``scale:<name>``
        with waves ``"Wave 1"``, ``"Wave 2"``...
    scale_labels : dict, optional
        Scale name -> readable label.
    scale_answers : dict, optional
        Scale name -> (its answers, lowest first; the number the first scores), e.g.
        ``{"engagement": (["Strongly disagree", ..., "Strongly agree"], 1)}``.
    attendance_terms : DataFrame, optional
        ``Enquiry.attendance_summary(by="term")``: measure ``attendance`` (% of
        possible sessions attended) per term of the latest year and for the whole year.
    behaviour : DataFrame, optional
        Canonical ``behaviour``: measures ``behaviour_positive`` and
        ``behaviour_negative`` (points per term and year of the latest year;
        a pupil on roll with no entries has 0; points counted by size).
    attainment : DataFrame, optional
        Canonical ``attainment``: ``attainment:<subject>``, the mean score per
        assessment (waves are assessments, in date order).

    Returns
    -------
    MeasuresTable
        Only pupils on the roll (``pupils``) appear.
    """
    pupils = pupils.dropna(subset=["pupil_id"]).drop_duplicates("pupil_id")
    ids = set(pupils["pupil_id"].astype(str))
    parts, measures = [], {}
    if scale_scores is not None and len(scale_scores):
        s = scale_scores.dropna(subset=["respondent_id", "score", "wave"])
        s = s[s["respondent_id"].astype(str).isin(ids)].rename(columns={"respondent_id": "pupil_id"})
        for name, g in s.groupby(s["scale"].astype(str), sort=False):
            waves = sorted(int(w) for w in g["wave"].unique())
            key = f"scale:{name}"
            answers, first = (scale_answers or {}).get(name, ((), 1))
            measures[key] = Measure(key, (scale_labels or {}).get(name, name), "scale score",
                                    tuple(f"Wave {w}" for w in waves),
                                    tuple(str(a) for a in answers), int(first))
            parts.append(_long(g, key, "Wave " + g["wave"].astype(int).astype(str).to_numpy(),
                               g["score"]))
    if attendance_terms is not None and len(attendance_terms):
        a = attendance_terms[attendance_terms["pupil_id"].astype(str).isin(ids)
                             & (attendance_terms["possible"] > 0)]
        if "academic_year" in a.columns and a["academic_year"].notna().any():
            a = a[a["academic_year"].astype(str) == a["academic_year"].dropna().astype(str).max()]
        terms = [t for t in _TERMS if t in set(a["period"].astype(str))]
        parts.append(_long(a, "attendance", a["period"].astype(str).str.capitalize()
                           .to_numpy() + " term", a["attendance_pct"]))
        year = a.groupby(a["pupil_id"].astype(str))[["present", "possible"]].sum().reset_index()
        parts.append(_long(year, "attendance", WHOLE_YEAR,
                           year["present"] / year["possible"] * 100))
        measures["attendance"] = Measure("attendance", "Attendance", "% of sessions attended",
                                         (*(f"{t.capitalize()} term" for t in terms), WHOLE_YEAR),
                                         spans=(WHOLE_YEAR,))
    if behaviour is not None and len(behaviour):
        b = behaviour.dropna(subset=["pupil_id", "date"])
        b = b[_latest_year(b["date"])]
        term = school_period(b["date"], "term").str.capitalize().to_numpy() + " term"
        points = b["points"].astype(float).abs().fillna(1.0).to_numpy()
        terms = [f"{t.capitalize()} term" for t in _TERMS if f"{t.capitalize()} term" in set(term)]
        roll = pd.Index(sorted(ids), name="pupil_id")
        for kind in ("positive", "negative"):
            mask = (b["type"].astype(str) == kind).to_numpy()
            per = (pd.DataFrame({"pupil_id": b["pupil_id"].astype(str).to_numpy()[mask],
                                 "wave": term[mask], "points": points[mask]})
                   .pivot_table(index="pupil_id", columns="wave", values="points",
                                aggfunc="sum").reindex(index=roll, columns=terms).fillna(0.0))
            per[WHOLE_YEAR] = per.sum(axis=1)
            tidy = per.reset_index().melt(id_vars="pupil_id", var_name="wave",
                                          value_name="value")
            key = f"behaviour_{kind}"
            parts.append(_long(tidy, key, tidy["wave"].to_numpy(), tidy["value"]))
            measures[key] = Measure(key, f"Behaviour: {kind} points", "points",
                                    (*terms, WHOLE_YEAR), spans=(WHOLE_YEAR,))
    if attainment is not None and len(attainment):
        t = attainment.dropna(subset=["pupil_id", "score", "assessment", "subject"])
        t = t[t["pupil_id"].astype(str).isin(ids)]
        order = list(t.groupby("assessment")["date"].min().sort_values().index.astype(str))
        per = (t.groupby([t["subject"].astype(str), t["pupil_id"].astype(str),
                          t["assessment"].astype(str)])["score"].mean().astype(float)
               .reset_index())
        for subject, g in per.groupby("subject", sort=True):
            key = f"attainment:{subject}"
            present = set(g["assessment"])
            measures[key] = Measure(key, f"Attainment: {subject}", "score",
                                    tuple(w for w in order if w in present))
            parts.append(_long(g, key, g["assessment"].to_numpy(), g["score"]))
    data = (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame(columns=["pupil_id", "measure", "wave", "value"]))
    data = data.dropna(subset=["value"])
    chars = pupils.set_index(pupils["pupil_id"].astype(str))
    where = chars.index.get_indexer(data["pupil_id"])
    for col in CHARACTERISTICS:
        cats = _labelled(chars[col], col)
        data[col] = pd.Categorical.from_codes(np.asarray(cats.codes)[where],
                                              categories=cats.categories)
    return MeasuresTable.from_long(data, memberships[memberships["member_type"].astype(str)
                                                     == "pupil"],
                                   threshold=threshold, measures=measures)


def measures_table(enquiry) -> MeasuresTable:
    """The explorer's table for an opened :class:`~slc_research.Enquiry`.

    See :func:`measures_from_tables`; scale labels and the threshold come from the manifest.
    """
    scales = enquiry.scales
    answer_scales = enquiry.manifest.response_scales
    return measures_from_tables(
        enquiry.pupils, enquiry.memberships, threshold=enquiry.suppression_threshold,
        scale_scores=enquiry.scale_scores(),
        scale_labels={n: getattr(s, "label", None) or n for n, s in scales.items()},
        scale_answers={n: (answer_scales[s.response_scale].levels,
                           answer_scales[s.response_scale].start)
                       for n, s in scales.items() if s.response_scale in answer_scales},
        attendance_terms=enquiry.attendance_summary(by="term") if len(enquiry.attendance)
        else None,
        behaviour=enquiry.behaviour, attainment=enquiry.attainment)
