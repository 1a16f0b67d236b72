"""Reading the studies a meta-analysis pools: estimates, variances and labels, checked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.errors import StatsError
from slc_research.stats.inputs import to_array

__all__ = ["read_studies"]


def read_studies(estimates, variances, se, labels
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Check and read the studies' estimates, variances (or standard errors) and labels.

    Parameters
    ----------
    estimates : array-like or DataFrame
        As :func:`~slc_research.stats.meta.meta_analysis` takes them.
    variances, se : array-like or None
        One of the two (None with a DataFrame).
    labels : sequence of str or None
        A name per study.

    Returns
    -------
    (ndarray, ndarray, list of str)
        Estimates, variances and labels.

    Raises
    ------
    StatsError
        Fewer than 2 studies, lengths that differ, missing or non-finite values,
        a variance that is zero or negative.
    """
    if isinstance(estimates, pd.DataFrame):
        if variances is not None or se is not None or labels is not None:
            raise StatsError("with a DataFrame, give its columns 'estimate' and 'variance' "
                             "(or 'se') and optionally 'label', not separate arguments")
        frame = estimates
        if "estimate" not in frame.columns:
            raise StatsError("the table needs a column 'estimate'; found columns "
                             f"{list(frame.columns)}")
        if "variance" in frame.columns:
            variances = frame["variance"]
        elif "se" in frame.columns:
            se = frame["se"]
        else:
            raise StatsError("the table needs a column 'variance' or 'se' beside 'estimate'")
        if "label" in frame.columns:
            labels = [str(x) for x in frame["label"]]
        estimates = frame["estimate"]
    if (variances is None) == (se is None):
        raise StatsError("give the sampling variances (variances=...) or the standard "
                         "errors (se=...) of the estimates, one of the two")
    y = to_array(estimates, "estimates")
    given = to_array(variances if se is None else se, "variances" if se is None else "se")
    v = given if se is None else given**2
    if len(y) != len(v):
        raise StatsError(f"there are {len(y)} estimates but {len(v)} variances; give one "
                         "variance (or standard error) per estimate")
    if len(y) < 2:
        raise StatsError(f"pooling needs at least 2 studies (schools); found {len(y)}")
    what = "variances" if se is None else "standard errors"
    bad = np.flatnonzero(np.isnan(y) | np.isnan(v))
    if bad.size:
        raise StatsError(f"estimate or variance missing for study {int(bad[0]) + 1} "
                         f"(of {len(y)}); supply it or leave that study out")
    bad = np.flatnonzero(given <= 0)
    if bad.size:
        raise StatsError(f"the {what} must be positive; study {int(bad[0]) + 1} has "
                         f"{float(given[bad[0]])!r}. A zero variance usually means a tiny "
                         "group or no spread in it: check that study's numbers")
    if labels is None:
        names = [f"study {i + 1}" for i in range(len(y))]
    else:
        names = [str(x) for x in labels]
        if len(names) != len(y):
            raise StatsError(f"there are {len(y)} estimates but {len(names)} labels")
    return y, v, names
