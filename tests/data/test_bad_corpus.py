"""The bad-input corpus (``tests/data/bad/``): every broken file is repaired with a note
in the data-health report, or refused with one message naming file, row, column and fix.

The cases are declared in ``tests/data/bad/cases.toml`` and described in its
README. Each case is copied into a fresh workspace; the raw files there must be
byte-identical after opening (sha256 before and after), and the command line
must print one message and no traceback. The 50 MB register is written into
``tmp_path`` by its test, never committed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from slc_research.cli import main
from slc_research.errors import ConfigError, DataError
from slc_research.workspace.enquiry import Enquiry

BAD = Path(__file__).parent / "bad"
CASES = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))
MAPPINGS: dict[str, dict[str, str]] = CASES["mappings"]
ERRORS = {"DataError": DataError, "ConfigError": ConfigError}


def _case_id(case: dict) -> str:
    return (case.get("file") or case["manifest"]).rsplit(".", 1)[0] + (
        f"--sheet-{case['sheet']}" if "sheet" in case else "")


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def _manifest(case: dict) -> str:
    lines = ['title = "Bad input corpus"', 'academic_year = "2025-26"', "",
             "[sources.src]", f'path = "raw/{case["file"]}"', f'kind = "{case["kind"]}"']
    if "sheet" in case:
        lines.append(f"sheet = {_toml_value(case['sheet'])}")
    lines += [f"{k} = {_toml_value(v)}" for k, v in case.get("options", {}).items()]
    lines += ["", "[sources.src.columns]"]
    lines += [f"{_toml_value(h)} = {_toml_value(c)}" for h, c in MAPPINGS[case["columns"]].items()]
    return "\n".join(lines) + "\n"


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def build_workspace(case: dict, root: Path) -> Path:
    """A workspace in ``root`` holding the case's raw file(s) and manifest."""
    raw = root / "raw"
    raw.mkdir(parents=True)
    if "manifest" in case:
        shutil.copyfile(BAD / case["manifest"], root / "enquiry.toml")
        for name in case.get("raw", []):
            shutil.copyfile(BAD / name, raw / name)
    else:
        shutil.copyfile(BAD / case["file"], raw / case["file"])
        (root / "enquiry.toml").write_text(_manifest(case), encoding="utf-8")
    return root


def check_outcome(case: dict, root: Path) -> None:
    """Open the workspace and assert the case's declared outcome."""
    if case["outcome"] in ("repair", "loads"):
        enq = Enquiry.open(root, use_cache=False)
        notes = [n for h in enq.health for n in h.notes]
        if "note" in case:
            assert any(case["note"] in n for n in notes), notes
            assert case["note"] in enq.health_frame()["repairs and warnings"].str.cat(sep=" ")
        assert any(len(df) for df in enq.tables.values())
        return
    with pytest.raises(ERRORS[case["error"]]) as info:
        Enquiry.open(root, use_cache=False)
    exc = info.value
    message = str(exc)
    for piece in case.get("says", []):
        assert piece in message, message
    if isinstance(exc, DataError):
        assert exc.file == (f"raw/{case['file']}" if "file" in case else exc.file)
        assert exc.file in message
        assert exc.row == case.get("row"), message
        assert exc.column == case.get("column"), message
    assert "Traceback" not in message


@pytest.mark.parametrize("case", CASES["case"], ids=_case_id)
def test_bad_file(case, tmp_path):
    root = build_workspace(case, tmp_path / "ws")
    before = _digests(root / "raw")
    assert before == {n: hashlib.sha256((BAD / n).read_bytes()).hexdigest() for n in before}
    check_outcome(case, root)
    assert _digests(root / "raw") == before  # raw files are never changed


def test_the_corpus_has_every_kind_of_trouble():
    cases = CASES["case"]
    assert len({c.get("file") or c["manifest"] for c in cases}) >= 30
    files = {p.name for p in BAD.iterdir()} - {"README.md", "cases.toml", "make_corpus.py"}
    declared = {c.get("file") or c["manifest"] for c in cases} | {
        r for c in cases for r in c.get("raw", [])}
    assert files == declared  # every file is declared, every declared file exists
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    missing = [f for f in files if f"`{f}`" not in readme]
    assert not missing, f"not described in README.md: {missing}"


@pytest.mark.parametrize("case", [c for c in CASES["case"] if c["outcome"] == "error"],
                         ids=_case_id)
def test_cli_check_prints_one_message_and_no_traceback(case, tmp_path, capsys):
    root = build_workspace(case, tmp_path / "ws")
    before = _digests(root / "raw")
    assert main(["check", str(root), "--no-cache"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert err.startswith("slc-research: ")
    assert err.count("slc-research: ") == 1
    assert _digests(root / "raw") == before


@pytest.mark.parametrize("case", [c for c in CASES["case"] if c["outcome"] == "repair"][:3],
                         ids=_case_id)
def test_cli_check_shows_the_repair_notes(case, tmp_path, capsys):
    root = build_workspace(case, tmp_path / "ws")
    assert main(["check", str(root)]) == 0
    out, err = capsys.readouterr()
    assert case["note"] in out
    assert "Traceback" not in out + err


def test_cli_in_a_subprocess_has_no_traceback(tmp_path):
    cases = {_case_id(c): c for c in CASES["case"]}
    for name in ("binary_junk", "roster_password", "manifest_key_typo"):
        root = build_workspace(cases[name], tmp_path / name)
        proc = subprocess.run([sys.executable, "-m", "slc_research.cli", "check", str(root)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        assert proc.stderr.strip().startswith("slc-research: ")


def test_cli_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check"])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# ---------------------------------------------------------------------------- 50 MB


def _big_register(path: Path, target: int = 50 << 20, bad_at: int | None = None) -> int:
    """Write a long attendance register of about ``target`` bytes; returns its data rows.

    With ``bad_at``, data row number ``bad_at`` (Excel numbering) holds the code ``Q9``.
    """
    days = [f"{d:02d}/{m:02d}/2025" for m in (9, 10, 11, 12) for d in range(1, 29)]
    block = []
    for p in range(1, 601):
        pupil = f"T9XX{p:09d}"  # XX: the chunk, so that every pupil is a different one
        for day in days:
            block.append(f"{pupil},{day},AM,/\n{pupil},{day},PM,\\\n")
    template = "".join(block).encode()
    rows_per_chunk = 2 * 600 * len(days)
    header = b"UPN,Date,Session,Mark\n"
    n_chunks = max(1, (target - len(header)) // len(template) + 1)
    with open(path, "wb") as f:
        f.write(header)
        for i in range(n_chunks):
            chunk = template.replace(b"T9XX", f"T9{i:02d}".encode())
            if bad_at is not None and i == (bad_at - 2) // rows_per_chunk:
                lines = chunk.split(b"\n")
                j = (bad_at - 2) % rows_per_chunk
                lines[j] = lines[j].rsplit(b",", 1)[0] + b",Q9"
                chunk = b"\n".join(lines)
            f.write(chunk)
    return n_chunks * rows_per_chunk


def _register_workspace(root: Path, rows_at: int | None) -> tuple[Path, int]:
    (root / "raw").mkdir(parents=True)
    n = _big_register(root / "raw" / "register.csv", bad_at=rows_at)
    case = {"file": "register.csv", "kind": "attendance", "columns": "attendance"}
    (root / "enquiry.toml").write_text(_manifest(case), encoding="utf-8")
    return root, n


def test_a_50_mb_register_is_read_quickly(tmp_path):
    root, n = _register_workspace(tmp_path / "ws", None)
    size = (root / "raw" / "register.csv").stat().st_size
    assert size >= 50 << 20
    before = _digests(root / "raw")
    start = time.perf_counter()
    enq = Enquiry.open(root, use_cache=False)
    seconds = time.perf_counter() - start
    assert len(enq.attendance) == n
    assert seconds < 30, f"{size / 2**20:.0f} MB read in {seconds:.1f} s"
    assert _digests(root / "raw") == before


def test_a_50_mb_register_with_one_bad_mark_names_its_row(tmp_path, capsys):
    root, n = _register_workspace(tmp_path / "ws", 1_500_002)
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert "raw/register.csv, row 1500002, column 'Mark': found 'Q9'" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------- repairs in detail


def _open_case(name: str, tmp_path: Path) -> Enquiry:
    case = {_case_id(c): c for c in CASES["case"]}[name]
    return Enquiry.open(build_workspace(case, tmp_path / "ws"), use_cache=False)


def test_windows_1252_smart_quotes_survive(tmp_path):
    texts = _open_case("reflections_cp1252_smart_quotes", tmp_path).texts
    assert "I liked the \u201cgroup\u201d work \u2013 it\u2019s better" in set(texts["text"])
    assert texts["quotable"].tolist() == [True, False, True]  # the blank text is left out


def test_rows_above_the_real_header_are_skipped_and_nothing_else(tmp_path):
    enq = _open_case("roster_title_row", tmp_path)
    assert len(enq.pupils) == 8
    survey = _open_case("survey_merged_header", tmp_path / "b").survey_responses
    assert len(survey) == 8 * 3
    assert survey["value"].notna().all()


def test_after_a_title_row_problems_keep_excel_row_numbers(tmp_path):
    lines = (BAD / "roster_title_row.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",9,", ",Year 15,")  # Excel row 6
    assert "Year 15" in lines[5]
    root = build_workspace({"file": "roster_title_row.csv", "kind": "pupils",
                            "columns": "roster"}, tmp_path / "ws")
    (root / "raw" / "roster_title_row.csv").write_text("\r\n".join(lines) + "\r\n")
    with pytest.raises(DataError) as info:
        Enquiry.open(root)
    assert (info.value.row, info.value.column, info.value.value) == (6, "Year", "Year 15")


def test_repeated_header_and_totals_rows_are_not_pupils(tmp_path):
    assert len(_open_case("roster_repeated_header", tmp_path / "a").pupils) == 8
    assert len(_open_case("roster_totals_row", tmp_path / "b").pupils) == 8


def test_excel_error_values_become_blank(tmp_path):
    pupils = _open_case("roster_excel_na", tmp_path).pupils
    assert pupils["year_group"].isna().sum() == 1
    assert pupils["gender"].isna().sum() == 1


def test_ids_that_lost_their_leading_zeros_match_the_padded_ones(tmp_path):
    from slc_research.privacy.pseudonyms import Pseudonymiser

    p = Pseudonymiser(b"k" * 32)
    assert p.one("004822") == p.one("4822") == p.one(" 4822")
    assert p.one("0") == p.one("000")
    assert p.one("A0012") != p.one("A12")
    assert len(_open_case("roster_ids_lost_leading_zeros", tmp_path).pupils) == 8


def test_numbers_as_text_are_read(tmp_path):
    scores = _open_case("attainment_numbers_as_text", tmp_path).attainment["score"].tolist()
    assert scores == [1234.0, 85.0, 1050.0, -3.0, 12.0]
