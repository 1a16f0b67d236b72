import numpy as np
import pandas as pd
import pytest

from slc_research.data.frames import member_of


@pytest.mark.parametrize("dtype", ["str", "string", "object", "category"])
def test_member_of_agrees_with_pandas_isin_on_text(dtype):
    values = pd.Series(["P1", "P2", None, "P3", "P1", "p1"], dtype=dtype)
    for allowed in ({"P1", "P3"}, ["P3"], pd.Series(["P2", "P9"], dtype="string"),
                    pd.Index(["P1", "P1"]), set(), frozenset({"p1"})):
        expected = values.isin(list(allowed)).fillna(False).to_numpy(dtype=bool)
        assert member_of(values, allowed).tolist() == expected.tolist()


def test_member_of_numbers_and_missing_values():
    values = pd.Series([1, 2, None, 3], dtype="Int64")
    assert member_of(values, [1, 3]).tolist() == [True, False, False, True]
    # a missing value is never a member, even when the allowed values hold one
    assert member_of(pd.Series(["a", None], dtype="string"), ["a", None]).tolist() == [True, False]
    assert member_of(pd.Index(["x", "y"]), iter(["y"])).dtype == np.bool_
