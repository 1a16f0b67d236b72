"""The workspace's identifiers for ``check-outputs`` (issue 15, case 8: roster out of step).

When the roster's or staff list's headers no longer match the manifest, ``check-outputs``
used to skip the file and pass; it must stop with exit 1, naming the source and the column
the manifest expects, and never showing the file's own first row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slc_research.cli import main
from slc_research.errors import ConfigError
from slc_research.workspace.identifiers import workspace_identifiers

MANIFEST = """title = "Tiny enquiry"
academic_year = "2025-26"

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
[sources.roster.columns]
"UPN" = "pupil_id"
"Legal Forename" = "forename"
"Legal Surname" = "surname"
"""
ROSTER = ("UPN,Legal Forename,Legal Surname,Date of Birth,Email\n"
          "A123456789012,Zebedee,Quillfeather,04/03/2012,zebedee.q@school.org\n"
          "B223456789012,Grace,Green,02/11/2012,grace.g@school.org\n")


@pytest.fixture
def workspace(tmp_path) -> Path:
    ws = tmp_path / "ws"
    (ws / "raw").mkdir(parents=True)
    (ws / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    (ws / "raw" / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "report.html").write_text("<p>Born 4 March 2012</p>",
                                                       encoding="utf-8")
    return ws


def test_the_roster_gives_ids_emails_and_every_date_form(workspace, tmp_path):
    ident = workspace_identifiers(workspace)
    assert ident.dates == frozenset({"2012-03-04", "2012-11-02"})
    assert ident.emails == frozenset({"zebedee.q@school.org", "grace.g@school.org"})
    assert [m.kind for m in ident.find("A123 4567 89012")] == ["real id"]
    assert main(["check-outputs", str(tmp_path / "outputs"), "--workspace",
                 str(workspace)]) == 1


def test_case8_roster_headers_changed_fail_loudly(workspace, tmp_path, capsys):
    (workspace / "raw" / "roster.csv").write_text(ROSTER.replace("UPN,", "Pupil Number,"),
                                                  encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no longer has the column\(s\) 'UPN'"):
        workspace_identifiers(workspace)
    code = main(["check-outputs", str(tmp_path / "outputs"), "--workspace", str(workspace)])
    err = capsys.readouterr().err
    assert code == 1
    assert "roster raw/roster.csv (source 'roster')" in err
    assert "nothing was checked" in err
    assert "[sources.roster.columns]" in err


def test_case8_a_roster_saved_without_its_header_row_never_shows_its_data(workspace, tmp_path,
                                                                          capsys):
    (workspace / "raw" / "roster.csv").write_text(ROSTER.split("\n", 1)[1], encoding="utf-8")
    code = main(["check-outputs", str(tmp_path / "outputs"), "--workspace", str(workspace)])
    err = capsys.readouterr().err
    assert code == 1
    assert "'UPN', 'Legal Forename', 'Legal Surname'" in err
    for secret in ("A123456789012", "Zebedee", "Quillfeather", "04/03/2012", "zebedee.q@"):
        assert secret not in err


QUALTRICS = ('StartDate,EndDate,Finished,RecipientLastName,RecipientFirstName,Q1,Q2_1\n'
             'Start Date,End Date,Finished,Recipient Last Name,Recipient First Name,Pupil ID,'
             'How much do you agree? - I enjoy lessons\n'
             '"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}",'
             '"{""ImportId"":""finished""}","{""ImportId"":""recipientLastName""}",'
             '"{""ImportId"":""recipientFirstName""}","{""ImportId"":""QID1_TEXT""}",'
             '"{""ImportId"":""QID2_1""}"\n'
             '2025-10-01 09:00:00,2025-10-01 09:05:00,True,,,A123456789012,Agree\n'
             '2025-10-01 09:10:00,2025-10-01 09:15:00,True,,,B223456789012,Disagree\n')


def test_a_qualtrics_question_text_is_not_taken_for_an_id(workspace):
    # Qualtrics' second header row holds each question's text: "Pupil ID" over the ids.
    # Read as data it became an "id", and every report saying "pupil id" was withheld.
    (workspace / "raw" / "survey.csv").write_text(QUALTRICS, encoding="utf-8")
    with (workspace / "enquiry.toml").open("a", encoding="utf-8") as f:
        f.write('\n[sources.survey]\npath = "raw/survey.csv"\nkind = "survey"\n'
                'instrument = "voice"\nwave = 1\n[sources.survey.columns]\n'
                '"Q1" = "respondent_id"\n')
    ident = workspace_identifiers(workspace)
    assert ident.ids == frozenset({"a123456789012", "b223456789012"})  # kept folded
    assert ident.find("The pupil id column was mapped.") == []
