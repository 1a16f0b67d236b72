"""A roster's second id (``other_id``): files keyed by the UPN or the admission number both link.

The roster from the MIS holds both ``Adno`` and ``UPN``; the pupils type their admission
number into the questionnaire, while the Arbor behaviour log and the SLC list name them by
UPN. Without ``other_id`` those files linked nobody (every pupil "not on the roster", the
SLC report stopped); with it their ids are read as the pupils' admission numbers before
they are pseudonymised, and a withdrawal written with either id leaves the pupil out of
every file. Invented people only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slc_research.errors import ConfigError

ADNOS = [f"{5201 + i:06d}" for i in range(12)]
UPNS = [f"T99900000{i:04d}" for i in range(12)]


def _exports(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["Adno,UPN,Legal Surname,Legal Forename,Year,Gender,PP"]
    rows += [f"{a},{u},Testcase,Kid{i},{7 + i % 2},{'MF'[i % 2]},{'Y' if i % 3 else 'N'}"
             for i, (a, u) in enumerate(zip(ADNOS, UPNS, strict=True))]
    (folder / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    form = ["Timestamp,What is your admission number?,I enjoy lessons,I feel safe,I can ask "
            "for help"]
    form += [f"2025/10/0{1 + i % 9} 9:0{i % 10}:00 AM GMT,{a},Agree,Disagree,Agree"
             for i, a in enumerate(ADNOS)]
    (folder / "pupil voice.csv").write_text("\n".join(form) + "\n", encoding="utf-8")
    log = ["Student,UPN,Incident Date,Behaviour Type,Points"]
    log += [f"Kid{i} Testcase,{u},0{1 + i % 9}/10/2025,Disruption,-1"
            for i, u in enumerate(UPNS[:10])]
    (folder / "behaviour.csv").write_text("\n".join(log) + "\n", encoding="utf-8")
    return folder


def _init(tmp_path: Path, capsys) -> Path:
    from slc_research.cli import main

    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(_exports(tmp_path / "exports"))]) == 0
    capsys.readouterr()
    return ws


def test_init_from_links_a_file_keyed_by_the_rosters_other_id(tmp_path, capsys):
    from slc_research.cli import main
    from slc_research.workspace.enquiry import Enquiry

    ws = _init(tmp_path, capsys)
    text = (ws / "enquiry.toml").read_text(encoding="utf-8")
    assert ('other_id = "UPN"  # check: 1 file names pupils by \'UPN\', not \'Adno\': they '
            "are linked to the same pupils through this column") in text
    assert main(["check", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "not on the roster" not in out
    assert "Files keyed by the roster's 'UPN' are linked to the same pupils" in out
    enq = Enquiry.open(ws)
    assert set(enq.behaviour["pupil_id"]) <= set(enq.pupils["pupil_id"])
    assert enq.behaviour["pupil_id"].nunique() == 10
    assert not any(u in out for u in UPNS)
    assert not any(a in out for a in ADNOS)


@pytest.mark.parametrize("written", ["upn", "adno"])
def test_a_withdrawal_written_with_either_id_leaves_the_pupil_out_of_every_file(
        tmp_path, capsys, written):
    from slc_research.workspace.enquiry import Enquiry

    ws = _init(tmp_path, capsys)
    (ws / "private").mkdir(exist_ok=True)
    who = UPNS[0] if written == "upn" else ADNOS[0]
    (ws / "private" / "consent.csv").write_text(f"id,status\n{who},withdrawn\n",
                                                encoding="utf-8")
    enq = Enquiry.open(ws)
    assert len(enq.pupils) == 11
    assert enq.behaviour["pupil_id"].nunique() == 9  # the UPN-keyed log
    assert enq.survey_responses["respondent_id"].nunique() == 11  # the Adno-keyed form
    assert not any("matches no one" in n for n in enq.notes)


def test_other_id_naming_no_column_says_which_columns_there_are(tmp_path, capsys):
    from slc_research.workspace.enquiry import Enquiry

    ws = _init(tmp_path, capsys)
    toml = ws / "enquiry.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('other_id = "UPN"',
                                                              'other_id = "U.P.N."'),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'sources\.roster\.other_id': other_id = "
                                          r"'U\.P\.N\.' names no column of raw/roster\.csv; "
                                          r"write the header .* \(its columns: 'Adno', 'UPN'"):
        Enquiry.open(ws)


def test_the_column_mapper_checks_a_file_with_the_rosters_other_id_as_check_does(
        tmp_path, capsys):
    # the mapper's preview of the UPN-keyed log kept a pupil withdrawn by admission number
    import tomllib

    from slc_research.workspace.mapping_editor import check_source

    ws = _init(tmp_path, capsys)
    (ws / "private").mkdir(exist_ok=True)
    (ws / "private" / "consent.csv").write_text(f"id,status\n{ADNOS[0]},withdrawn\n",
                                                encoding="utf-8")
    entry = tomllib.loads((ws / "enquiry.toml").read_text(encoding="utf-8"))["sources"][
        "behaviour"]
    loaded = check_source(ws, entry, name="behaviour_again")
    assert loaded.rows_dropped == 1
    assert loaded.tables["behaviour"]["pupil_id"].nunique() == 9
