"""The README's example manifest works as written, and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slc_research import Enquiry

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

ROSTER = """UPN,Legal Forename,Legal Surname,Year,Gender,PP,SEN Status,EAL,KS2 Band,Reg Group
A123456789012,Olufemi,Hargreaves,9,F,Y,N,N,Middle,9RB
A123456789013,Bartholomew,Nkemelu,10,M,N,K,Y,High,10LS
A123456789014,Saoirse,Wojciechowska,9,F,N,N,N,Low,9RB
A123456789015,Tobias,Abernethy-Clark,12,M,Y,E,N,,12AX
"""
MEMBERS = """UPN,Team,Role,Joined
A123456789012,Student Pedagogy Team,Researcher,08/09/2025
A123456789013,Student Pedagogy Team,Department link,08/09/2025
"""
SURVEY = """Timestamp,Pupil ID,Email address,I look forward to my lessons,I join in with discussions in class,I often lose interest in lessons
15/10/2025 09:01:22,A123456789012,olufemi@example.org,Strongly agree,agree ,DISAGREE
15/10/2025 09:02:10,A123456789013,,Neither agree nor disagree,Agree,Agree
15/10/2025 09:03:45,A123456789014,,disagree,,Strongly agree
"""


def _manifest_example() -> str:
    section = README.split("### The manifest", 1)[1]
    return re.search(r"```toml\n(.*?)```", section, re.S).group(1)


def test_readme_starts_with_the_two_commands():
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert README.index("make demo") < README.index("## ")


@pytest.mark.parametrize("target", ["demo", "test", "lab", "bench"])
def test_readme_make_targets_exist(target):
    assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), re.M)


def test_readme_example_manifest_works_as_written(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "enquiry.toml").write_text(_manifest_example(), encoding="utf-8")
    (tmp_path / "raw" / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "raw" / "slc_members.csv").write_text(MEMBERS, encoding="utf-8")
    (tmp_path / "raw" / "questionnaire_autumn.csv").write_text(SURVEY, encoding="utf-8")
    enq = Enquiry.open(tmp_path)

    assert enq.title.startswith("Does our Student Learning Community")
    assert enq.suppression_threshold == 5
    assert len(enq.pupils) == 4
    assert enq.pupils["sen"].astype(str).tolist() == ["none", "support", "none", "ehcp"]
    assert enq.pupils["prior_attainment"].astype("string").tolist()[:3] == ["middle", "high", "low"]
    assert set(enq.memberships["community_kind"].astype(str)) == {"slc"}
    assert set(enq.communities["community"]) == {"Student Pedagogy Team"}

    answers = enq.survey_responses
    assert len(answers) == 9  # 3 respondents x 3 items, blanks kept as missing values
    first = answers[answers["respondent_id"] == enq.pupils["pupil_id"].iloc[0]]
    assert dict(zip(first["item"], first["value"], strict=True)) == {"eng1": 5, "eng2": 4,
                                                                     "eng3": 2}
    scores = enq.scale_scores().set_index("respondent_id")["score"]
    pid = enq.pupils["pupil_id"]
    # eng3 is reverse-coded: (1 + 5) - value
    assert scores[pid.iloc[0]] == pytest.approx((5 + 4 + 4) / 3)
    assert scores[pid.iloc[1]] == pytest.approx((3 + 4 + 2) / 3)
    assert scores[pid.iloc[2]] == pytest.approx((2 + 1) / 2)  # one blank answer

    for df in enq.tables.values():
        text = df.astype("string").to_csv()
        assert "Hargreaves" not in text
        assert "A123456789012" not in text
        assert "olufemi@example.org" not in text


def test_readme_analysis_examples_run_and_print_what_they_say(capsys):
    section = README.split("## Analysis: `slc_research.stats`", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    for line in code.splitlines():  # every one-line "print(...)  # result" must hold
        if line.startswith("print(") and "  # " in line and line.rstrip().endswith(")") is False:
            claimed = line.split("  # ", 1)[1].split("  (")[0].split(";")[0].strip()
            if claimed and not claimed.startswith(("plain", "+5")):
                assert claimed in out, claimed
    assert "g = 1.08, 95% CI [0.16, 1.97], n = 20" in out
    assert "pooled estimate = 0.27" in out


def test_readme_batch_example_is_the_demo_batch_file(tmp_path):
    """The batch file shown in the README reads as the one `make demo` uses."""
    from slc_research.report.batch import read_batch

    section = README.split("### Many reports at once: batch files", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    (tmp_path / "batches").mkdir()
    shown = tmp_path / "batches" / "demo.toml"
    shown.write_text(example, encoding="utf-8")
    ours = read_batch(ROOT / "batches" / "demo.toml")
    theirs = read_batch(shown)
    assert [(e.notebooks, e.each, e.audience, e.name) for e in theirs.entries] == \
        [(e.notebooks, e.each, e.audience, e.name) for e in ours.entries]


def test_readme_widget_lines_are_the_explore_notebooks_and_call_real_widgets():
    """Each one-liner in the README's explore section names a public widget, binds to its
    signature as written, and is a line of notebooks/explore.ipynb."""
    import ast
    import inspect

    import nbformat

    from slc_research import widgets

    section = README.split("## Exploring in JupyterLab", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    notebook = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    lines = {line.strip() for cell in notebook.cells if cell.cell_type == "code"
             for line in cell.source.splitlines()}
    calls = [ast.parse(line.split("  #")[0]).body[0].value
             for line in code.splitlines() if line.startswith("widgets.")]
    assert [call.func.attr for call in calls] == ["explorer", "effect_size_calculator", "coder",
                                                  "column_mapper"]
    for line, call in zip([ln for ln in code.splitlines() if ln.startswith("widgets.")], calls,
                          strict=True):
        assert call.func.attr in widgets.__all__
        assert line.split("  #")[0].strip() in lines, line
        args = [a.value if isinstance(a, ast.Constant) else "workspace" for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
        inspect.signature(getattr(widgets, call.func.attr)).bind(*args, **kwargs)
