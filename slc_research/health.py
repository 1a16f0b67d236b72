"""The data-health summary that ``slc-research check`` prints.

It says, per source, how many rows were read and left out and what was
repaired, then per canonical table how complete each column is. Only counts
and column names are shown: never a value from a row.
"""

from __future__ import annotations

import pandas as pd

from slc_research.enquiry import Enquiry

__all__ = ["completeness", "health_summary"]


def completeness(enq: Enquiry) -> pd.DataFrame:
    """Per table and column: rows, and the share of values present (%).

    Columns that no source filled (entirely missing) are listed with 0%.
    """
    rows = []
    for name, df in enq.tables.items():
        if df.empty:
            continue
        present = df.notna().mean() * 100
        for col, pct in present.items():
            rows.append({"table": name, "column": col, "rows": len(df), "present %": pct})
    return pd.DataFrame(rows, columns=["table", "column", "rows", "present %"])


def health_summary(enq: Enquiry) -> str:
    """A plain-text data-health summary of an opened workspace."""
    lines = [
        f"{enq.title} ({enq.academic_year or 'academic year not given'})",
        f"Schools: {', '.join(enq.schools) or 'none named'}",
        f"Groups smaller than {enq.suppression_threshold} are suppressed in reports.",
        "",
        "Sources:",
    ]
    health = enq.health_frame()
    if health.empty:
        lines.append("  none yet: add [sources.NAME] tables to enquiry.toml")
    else:
        shown = health.drop(columns=["repairs and warnings"])
        shown["from cache"] = shown["from cache"].map({True: "yes", False: "read now"})
        lines += ["  " + line for line in shown.to_string(index=False).splitlines()]
    notes = [(h.source, n) for h in enq.health for n in h.notes]
    if notes:
        lines += ["", "Repairs and warnings:"]
        lines += [f"  - {source}: {note}" for source, note in notes]
    sizes = {name: len(df) for name, df in enq.tables.items() if len(df)}
    lines += ["", "Tables: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items())]
    comp = completeness(enq)
    gaps = comp[comp["present %"] < 100]
    if not gaps.empty:
        lines += ["", "Columns with missing values (% present):"]
        for table, g in gaps.groupby("table", sort=False):
            cells = ", ".join(f"{c} {p:.0f}%" for c, p in zip(g["column"], g["present %"],
                                                                strict=True))
            lines.append(f"  {table}: {cells}")
    return "\n".join(lines)
