"""Issue 15, cases 2, 6, 9 (the key file) and 11: the consent register's closed vocabulary,
a damaged key file, messages that never echo a row of data, and the suppression threshold.

Each case runs through the command line (``slc-research check``) as a teacher would, on a
small workspace in the real export shapes: a roster, a behaviour log and reflections.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slc_research import Enquiry
from slc_research.casestudies import data_health
from slc_research.cli import main
from slc_research.errors import ConfigError, DataError
from slc_research.privacy.consent import read_status
from slc_research.privacy.pseudonyms import KEY_FILE, Pseudonymiser
from slc_research.workspace.manifest import read_manifest

MANIFEST = """
title = "Test enquiry"
academic_year = "2025-26"
schools = ["Northfield Academy"]

[privacy]
suppression_threshold = 5

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
school = "Northfield Academy"
[sources.roster.columns]
"UPN" = "pupil_id"
"Forename" = "forename"
"Surname" = "surname"
"Year" = "year_group"
"Email" = "email"

[sources.behaviour]
path = "raw/behaviour.csv"
kind = "behaviour"
[sources.behaviour.columns]
"UPN" = "pupil_id"
"Date" = "date"
"Type" = "type"
"Points" = "points"

[sources.reflections]
path = "raw/reflections.csv"
kind = "texts"
authors = "pupil"
text_source = "reflection"
[sources.reflections.columns]
"UPN" = "author_id"
"Date" = "date"
"Reflection" = "text"
"""

ROSTER_ROWS = ["A123456789012,Zebedee,Quillfeather,7,zebedee.quillfeather@school.org",
               "A100000000002,Philippa,Oyelaran,8,philippa.oyelaran@school.org",
               "A100000000003,Marcus,Featherstonehaugh,9,marcus.f@school.org"]
ROSTER = "UPN,Forename,Surname,Year,Email\n" + "\n".join(ROSTER_ROWS) + "\n"
BEHAVIOUR = ("UPN,Date,Type,Points\n"
             "A123456789012,01/10/2025,Negative,-2\n"
             "A100000000002,2025-10-02,Positive,3\n"
             "A100000000003,03/10/2025,Positive,1\n")
REFLECTIONS = ("UPN,Date,Reflection\n"
               "A123456789012,06/10/2025,I planned my revision with a friend\n"
               "A100000000002,06/10/2025,I tried retrieval practice\n")
LEAVING = "A123456789012"
CONSENT_HEADER = "id,type,status,date\n"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir()
    (tmp_path / "private").mkdir()
    (tmp_path / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "raw" / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "raw" / "behaviour.csv").write_text(BEHAVIOUR, encoding="utf-8")
    (tmp_path / "raw" / "reflections.csv").write_text(REFLECTIONS, encoding="utf-8")
    return tmp_path


def _consent(workspace: Path, *rows: str) -> None:
    (workspace / "private" / "consent.csv").write_text(CONSENT_HEADER + "\n".join(rows) + "\n",
                                                      encoding="utf-8")


def _check(workspace: Path, capsys) -> tuple[int, str, str]:
    status = main(["check", str(workspace)])
    out = capsys.readouterr()
    return status, out.out, out.err


# -- case 2: the consent register -------------------------------------------------------------

WITHDRAWN_VARIANTS = ["Withdrawn.", "withdrawn (parent request)", "withdrew", "WITHDRAWN - parent",
                      "consent withdrawn", "opted out", "opt-out", "withdrawm", "Opted-Out "]


@pytest.mark.parametrize("status", WITHDRAWN_VARIANTS)
def test_case2_withdrawn_variants_are_withdrawn(workspace, capsys, status):
    _consent(workspace, f"{LEAVING},pupil,{status},2026-01-10",
             "A100000000002,pupil,consented,2025-09-01")
    enq = Enquiry.open(workspace)
    gone = Pseudonymiser.for_workspace(workspace / "private").one(LEAVING)
    assert len(enq.pupils) == 2
    assert len(enq.behaviour) == 2
    assert len(enq.texts) == 1
    for name, df in enq.tables.items():
        assert gone not in df.astype("string").to_csv(), name
    # the note names the row, never the id, and reaches check's output
    assert enq.notes == ("private/consent.csv, row 2: the status was read as withdrawn (write it "
                         "exactly 'withdrawn' to silence this note).",)
    status_code, out, err = _check(workspace, capsys)
    assert status_code == 0, err
    assert "consent register: private/consent.csv, row 2: the status was read as withdrawn" in out
    assert LEAVING not in out
    assert "Zebedee" not in out
    # a report: the data-health result lists the note, and the pupil is in none of its records
    result = data_health.STUDY.result(enq, data_health.STUDY.validate(workspace=str(workspace)))
    assert result["repairs"].items == enq.notes
    assert result["repairs"].items_heading == "The consent register"
    records = repr(result.all_records)
    assert LEAVING not in records
    assert gone not in records


def test_case2_exact_statuses_need_no_note():
    assert read_status(" Withdrawn ") == ("withdrawn", False)
    assert read_status("declined") == ("withdrawn", False)
    assert read_status("Consented.") == ("consented", False)
    assert read_status("not withdrawn") == (None, False)
    assert read_status("") == (None, False)


@pytest.mark.parametrize("status", ["pending", "not withdrawn", "maybe", ""])
def test_case2_unknown_status_is_error(workspace, capsys, status):
    _consent(workspace, "A100000000002,pupil,consented,", f"{LEAVING},pupil,{status},2026-01-10")
    with pytest.raises(DataError) as info:
        Enquiry.open(workspace)
    assert (info.value.file, info.value.row, info.value.column) == (
        "private/consent.csv", 3, "status")
    code, out, err = _check(workspace, capsys)
    assert code == 1
    assert "private/consent.csv, row 3, column 'status'" in err
    if status:
        assert f"found {status!r}" in err
    assert "consented" in err
    assert "withdrawn" in err
    assert "declined" in err
    assert LEAVING not in err
    assert "Traceback" not in err


def test_case2_a_status_holding_digits_is_not_echoed(workspace, capsys):
    _consent(workspace, f"{LEAVING},pupil,{LEAVING},2026-01-10")  # the id pasted into status
    code, _out, err = _check(workspace, capsys)
    assert code == 1
    assert "row 2, column 'status'" in err
    assert LEAVING not in err


def test_case2_unmatched_withdrawn_id_warns(workspace, capsys):
    typo = LEAVING[:-1]  # a digit missing: matches no one on the roster
    _consent(workspace, "A100000000002,pupil,consented,", f"{typo},pupil,withdrawn,2026-01-10",
             "A100000000003,pupil,withdrawn,2026-01-11")
    enq = Enquiry.open(workspace)
    assert len(enq.pupils) == 2  # the matched withdrawal (row 4) still applies
    assert enq.notes == (
        "private/consent.csv, row 3: this withdrawn pupil's id matches no one on any roster (a "
        "digit missing or one too many?); correct the id in column 'id' so that they are left "
        "out",)
    code, out, err = _check(workspace, capsys)  # from the cache: the warning is still there
    assert code == 0, err
    assert "consent register: private/consent.csv, row 3: this withdrawn pupil's id matches" in out
    assert typo not in out
    assert typo not in err


# -- case 9: the key file -----------------------------------------------------------------------

@pytest.mark.parametrize(("case", "content", "says"), [
    ("empty", b"", "the key file is empty"),
    ("short", b"0123456789abcdef0123456789abcdef\n", "holds 32 characters where a key has 64"),
    ("non_hex", b"not-a-key-" * 7 + b"\n", "not hexadecimal digits"),
])
def test_case9_key_file_empty_short_non_hex(workspace, capsys, case, content, says):
    key = workspace / "private" / KEY_FILE
    key.write_bytes(content)
    code, out, err = _check(workspace, capsys)
    assert code == 1, (case, err)
    assert says in err
    assert ("restore private/pseudonym.key from your backup (it holds 64 characters 0-9 and a-f "
            "on one line); a new key would change every pseudonym, so none is made.") in err
    assert key.read_bytes() == content  # unchanged, and no new key anywhere
    assert sorted(p.name for p in (workspace / "private").iterdir()) == [KEY_FILE]
    assert "Traceback" not in err
    assert "unexpected error" not in err
    if content.strip():
        assert content.strip().decode() not in err
    with pytest.raises(ConfigError, match="restore private/pseudonym.key"):
        Pseudonymiser.for_workspace(workspace / "private")



def test_case9_missing_key_of_a_workspace_opened_before_is_not_made_anew(workspace, capsys):
    """A deleted key with cached tables left: restore it, never a new key (new pseudonyms)."""
    assert _check(workspace, capsys)[0] == 0
    key = workspace / "private" / KEY_FILE
    key.unlink()
    code, _out, err = _check(workspace, capsys)
    assert code == 1
    assert "private/pseudonym.key is missing, but this workspace has been opened before" in err
    assert "restore private/pseudonym.key from your backup" in err
    assert not key.exists()
    assert "Traceback" not in err
    # a fresh workspace (nothing cached) still makes its key on first open
    fresh = workspace / ".slc-cache"
    for d in sorted(fresh.rglob("*"), reverse=True):
        d.rmdir() if d.is_dir() else d.unlink()
    fresh.rmdir()
    assert _check(workspace, capsys)[0] == 0
    assert len(key.read_text(encoding="ascii").strip()) == 64

# -- case 6: messages never echo personal data ------------------------------------------------

def test_case6_header_row_as_data_message(workspace, capsys):
    """A roster saved without its header row: the message says where, never what."""
    raw = workspace / "raw" / "roster.csv"
    births = ["2012-03-04", "2011-05-06", "2010-07-08"]
    raw.write_text("\n".join(f"{r},{b}" for r, b in zip(ROSTER_ROWS, births, strict=True)) + "\n",
                   encoding="utf-8")
    before = raw.read_bytes()
    code, out, err = _check(workspace, capsys)
    assert code == 1
    # the roster's one problem; the source cleared of its names waits for it, and says so
    assert err.startswith("slc-research: 2 problems in 2 files (3 checked):")
    assert err.count("raw/roster.csv, row 1: expected column headers") == 1
    assert ("the first row looks like data rather than column headers (column 1 (A) looks like "
            "an id, columns 2 (B) and 3 (C) look like names, column 4 (D) looks like a number, "
            "column 5 (E) looks like an email address, column 6 (F) looks like a date") in err
    assert "add the header row the export had" in err
    for value in ("A123456789012", "Zebedee", "Quillfeather", "zebedee.quillfeather@school.org",
                  "2012-03-04", "Philippa", "A100000000002"):
        assert value not in err + out, value
    assert "a column headed" not in err  # one message for the roster, not one per header
    assert raw.read_bytes() == before


def test_case6_real_headers_are_still_shown(workspace, capsys):
    (workspace / "raw" / "roster.csv").write_text(ROSTER.replace("Year,", "Yr,"), encoding="utf-8")
    code, _out, err = _check(workspace, capsys)
    assert code == 1
    assert "the file's headers are 'UPN', 'Forename', 'Surname', 'Yr', 'Email'" in err


# -- case 11: the suppression threshold ---------------------------------------------------------

@pytest.mark.parametrize("threshold", [1, 2])
def test_case11_threshold_1_refused(workspace, capsys, threshold):
    (workspace / "enquiry.toml").write_text(
        MANIFEST.replace("suppression_threshold = 5", f"suppression_threshold = {threshold}"),
        encoding="utf-8")
    code, out, err = _check(workspace, capsys)
    assert code == 1
    assert "key 'privacy.suppression_threshold'" in err
    assert ("DfE guidance on disclosure control never publishes counts of 1 or 2; this "
            "workbench's default is 5") in err
    with pytest.raises(ConfigError, match="at least 3"):
        read_manifest(workspace)


def test_case11_threshold_4_warns(workspace, capsys):
    (workspace / "enquiry.toml").write_text(
        MANIFEST.replace("suppression_threshold = 5", "suppression_threshold = 4"),
        encoding="utf-8")
    warning = ("The suppression threshold is 4: groups of 4 people are published, and a reader "
               "who knows a group may recognise who is in it.")
    code, out, err = _check(workspace, capsys)
    assert code == 0, err
    assert f"Warning: {warning}" in out
    # every report: the result carries it, and the report shows it above its first section
    enq = Enquiry.open(workspace)
    result = data_health.STUDY.result(enq, data_health.STUDY.validate(workspace=str(workspace)))
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(warning)
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from slc_research.report.display import show

    InteractiveShell.instance()
    with capture_output() as shown:
        show(result)
    html = [o.data.get("text/html", "") for o in shown.outputs]
    assert result.title in html[0]
    assert "<strong>Warning</strong>" in html[1]
    assert warning in html[1]


def test_case11_threshold_5_gives_no_warning(workspace, capsys):
    code, out, _err = _check(workspace, capsys)
    assert code == 0
    assert "Warning" not in out
    enq = Enquiry.open(workspace)
    result = data_health.STUDY.result(enq, data_health.STUDY.validate(workspace=str(workspace)))
    assert result.warnings == ()
