"""The error hierarchy: messages name file, row, column, value and the fix."""

from __future__ import annotations

from slc_research.errors import MAX_PROBLEMS_SHOWN, ConfigError, DataError, Problem


def test_single_problem_message():
    err = DataError.single("raw/roster.csv", "a year group from 7 to 13", row=4, column="Year",
                           value="Y14")
    assert str(err) == ("raw/roster.csv, row 4, column 'Year': found 'Y14'; expected a year "
                        "group from 7 to 13")
    assert (err.file, err.row, err.column, err.value) == ("raw/roster.csv", 4, "Year", "Y14")


def test_many_problems_are_capped_and_counted():
    problems = [Problem("a.csv", i + 2, "Q1", "x", "an answer") for i in range(30)]
    err = DataError(problems[:MAX_PROBLEMS_SHOWN + 5], total=120)
    text = str(err)
    assert text.startswith("120 problems in a.csv:")
    assert text.count("\n  - ") == MAX_PROBLEMS_SHOWN
    assert text.endswith(f"... and {120 - MAX_PROBLEMS_SHOWN} more like these.")


def test_problems_from_several_files():
    err = DataError([Problem("a.csv", 2, "x", "1", "y"), Problem("b.csv", 3, "z", "2", "w")])
    assert str(err).startswith("2 problems in 2 files:")


def test_config_error_names_file_and_key():
    err = ConfigError("expected a number", file="enquiry.toml", key="privacy.x")
    assert str(err) == "enquiry.toml, key 'privacy.x': expected a number"
