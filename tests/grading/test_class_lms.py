"""A whole class, end to end: an LMS's bulk download in, its gradebook file out, feedback a
student reads, what to reteach, and shards merged into exactly the unsharded result."""

import csv
import io
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cnnzoo.grading import course, gradebook, integrity, lms, reteach
from cnnzoo.grading.engine import QuestionResult
from cnnzoo.grading.report import feedback, gradescope

ROOT = Path(__file__).resolve().parents[2]
SLIP = "count the positions the filter can take, the first one included"
CANVAS_ROSTER = ('Student,ID,SIS User ID,SIS Login ID,Section,Homework 3 (4567),Quiz 1 (8)\n'
                 '    Points Possible,,,,,100,5\n'
                 '"Doe, Jane",12345,s1,jdoe,A,,4\n"Roe, Bob",23456,s2,broe,A,,5\n'
                 '"Student, Test",99999,,,A,,\n')
MOODLE_WORKSHEET = ('Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,'
                    '"Last modified (submission)","Last modified (grade)",Feedback comments\n'
                    'Participant 77,Ann Lee,ann@example.edu,Submitted for grading,,100.00,Yes,,-,\n'
                    'Participant 78,Cy Oh,cy@example.edu,No submission,,100.00,Yes,-,-,\n')


def text(module, slip=False):
    source = (ROOT / "solutions" / f"{module}.py").read_text()
    return source.replace("return n - f + 1", "return n - f") if slip else source


def download(folder):
    """A class folder as an instructor gets it: Canvas's flat files (a resubmitted copy, a late
    one, a zip), a Moodle folder, a plain folder of untouched stubs."""
    folder.mkdir()
    (folder / "doejane_12345_111_output_size.py").write_text(text("output_size", slip=True))
    (folder / "doejane_12345_111_output_size-1.py").write_text(text("output_size"))  # the later upload
    (folder / "doejane_12345_111_pooling.py").write_text(text("pooling"))
    (folder / "doejane_12345_111_notes.txt").write_text("not a module")
    (folder / "roebob_LATE_23456_222_output_size.py").write_text(text("output_size", slip=True))
    with zipfile.ZipFile(folder / "lixi_34567_333_hw.zip", "w") as zf:
        zf.writestr("hw/pooling.py", text("pooling"))
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text("output_size"))])
    (folder / "lixi_34567_333_output_size.ipynb").write_text(nbformat.writes(notebook))  # a notebook, renamed
    moodle = folder / "Ann Lee_77_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "output_size.py").write_text(text("output_size", slip=True))
    (folder / "zed").mkdir()
    for module in ("output_size", "pooling"):
        shutil.copy(ROOT / "exercises" / f"{module}.py", folder / "zed")
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    try:
        integrity.require_confinement(False)
    except RuntimeError as err:
        pytest.skip(str(err))
    tmp = tmp_path_factory.mktemp("lms")
    questions = tmp / "questions"
    questions.mkdir()
    for module in ("output_size", "pooling"):
        shutil.copy(ROOT / "exercises" / f"test_{module}.py", questions)
    roster = tmp / "canvas.csv"
    roster.write_text(CANVAS_ROSTER)
    subs = download(tmp / "subs")
    kw = dict(questions=questions, seed="course", timeout=2.0, progress=False)
    whole = course.grade_class(subs, tmp / "whole", lms_name="canvas", roster=roster, assignment="Homework 3", **kw)
    return {"tmp": tmp, "subs": subs, "kw": kw, "whole": whole.parent, "roster": roster}


def table(path):
    return {r["student"]: r for r in csv.DictReader(Path(path).open())}


# ---------------------------------------------------------------------------- layouts

def test_canvas_and_moodle_names_map_to_students():
    found = {e.student: e for e in lms.entries([
        "doejane_12345_111_output_size.py", "doejane_12345_111_output_size-2.py", "doejane_12345_111_output_size-1.py",
        "roebob_LATE_23456_222_output_size.py", "Ann Lee_77_assignsubmission_file_",
        "Ann Lee_77_assignsubmission_onlinetext_", "Óscar Núñez_78_assignsubmission_file_pooling.py",
        "alice", "alice.zip", "bob.zip"], "/d")}
    assert sorted(found) == ["alice~2bd806", "alice~62dca8", "ann_lee_77", "bob", "doejane_12345", "oscar_nunez_78",
                             "roebob_23456"]  # one id, two submissions: graded apart, each flagged
    jane = found["doejane_12345"]
    assert jane.lms == "canvas" and jane.key == "12345" and not jane.late
    assert jane.paths == [(Path("/d/doejane_12345_111_output_size-2.py"), "output_size.py")]  # the latest copy
    assert found["roebob_23456"].late and found["roebob_23456"].key == "23456"
    assert found["ann_lee_77"].lms == "moodle" and len(found["ann_lee_77"].paths) == 2
    assert found["oscar_nunez_78"].paths[0][1] == "pooling.py"
    assert "several submissions share the id alice" in found["alice~2bd806"].note
    assert found["bob"].key == "bob" and not found["bob"].lms and not found["bob"].note


def test_rosters_and_shards_refuse_bad_input_saying_what_they_got(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("name,grade\nann,3\n")
    with pytest.raises(ValueError, match=r"Canvas's gradebook export.*\['grade', 'name'\]"):
        gradebook.read_roster(bad)
    for text_ in ("2/2", "1", "a/b", "-1/3"):
        with pytest.raises(ValueError, match=f"0 <= K < N.*{text_}"):
            gradebook.parse_shard(text_)
    with pytest.raises(ValueError, match="needs the course secret"):
        course.grade_class(tmp_path, tmp_path / "o", shard="0/2", questions=tmp_path)
    with pytest.raises(ValueError, match="--lms moodle needs --roster"):
        gradebook.lms_csv("moodle", ["student", "score", "max_score", "lms_id"], {}, None, "A")
    assert sum(gradebook.in_shard(f"s{i}", (k, 3)) for i in range(30) for k in range(3)) == 30


def test_the_graders_reference_work_is_done_once_for_every_thread():
    import threading
    import time

    from cnnzoo.grading import once

    calls = []

    @once
    def backbone():
        calls.append(1)
        time.sleep(0.2)  # long enough for every thread to ask while it is computed
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(backbone())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(g) for g in got}) == 1


# ------------------------------------------------------------------- a graded download

def test_a_canvas_download_becomes_canvas_gradebook_import(graded):
    out = graded["whole"]
    rows = table(out / "grades.csv")
    assert sorted(rows) == ["ann_lee_77", "doejane_12345", "lixi_34567", "roebob_23456", "zed"]
    assert rows["doejane_12345"]["score"] == rows["doejane_12345"]["max_score"] == "16.5"  # the -1 copy graded
    assert rows["roebob_23456"]["late"] == "late" and float(rows["roebob_23456"]["output_size"]) == 9.0
    assert rows["lixi_34567"]["pooling"] == "6.5" and rows["lixi_34567"]["lms_id"] == "34567"
    assert rows["lixi_34567"]["output_size"] == "10.0"  # the notebook among Canvas's renamed files
    lines = list(csv.reader(io.StringIO((out / "grades-canvas.csv").read_text())))
    # Canvas's import: its five identity columns, the assignment as "Name (id)", Points Possible
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 3 (4567)"]
    assert lines[1] == ["    Points Possible", "", "", "", "", "16.5"]
    assert lines[2:] == [["Doe, Jane", "12345", "s1", "jdoe", "A", "16.5"],
                         ["Roe, Bob", "23456", "s2", "broe", "A", "9.0"],
                         ["Student, Test", "99999", "", "", "A", ""]]  # nothing graded: left as it is
    for name in ("grades.csv", "grades-canvas.csv", "students/zed/feedback.txt", "students/zed/results.json"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o640, name  # the instructor's group reads them


def test_a_moodle_worksheet_gives_moodles_import_by_email(graded):
    worksheet = graded["tmp"] / "worksheet.csv"
    worksheet.write_text(MOODLE_WORKSHEET)
    header, rows = gradebook.read_grades(graded["whole"] / "grades.csv")
    path, unplaced = gradebook.write_lms(graded["tmp"], "moodle", header, rows,
                                         gradebook.read_roster(worksheet), "Assignment 3")
    lines = list(csv.reader(path.open()))
    assert lines == [["Full name", "Email address", "Assignment 3"],
                     ["Ann Lee", "ann@example.edu", "9.0"], ["Cy Oh", "cy@example.edu", ""]]
    assert "ann_lee_77" not in unplaced and "doejane_12345" in unplaced


def test_feedback_names_each_failing_question_once_and_hides_hidden_hints(graded):
    text_ = (graded["whole"] / "students" / "roebob_23456" / "feedback.txt").read_text()
    assert text_.count("valid_output") == 1 and f"case 1 (32, 5): you returned 27: {SLIP}" in text_
    assert "more failing cases" in text_ and len(text_.splitlines()) < 15
    stubs = (graded["whole"] / "students" / "zed" / "feedback.txt").read_text()
    assert "output_size                 0/10  x  not answered yet (6 questions)" in stubs
    results = [QuestionResult("m", "open", 0, 1, ["case 1 (3): you returned 2: a hint", "case 2 (4): you returned 3"]),
               QuestionResult("m", "secret", 0, 2, ["case 1 (9): you returned 1: the hidden hint"], hidden=True)]
    shown = feedback(results, seed=1)
    assert "the hidden hint" not in shown and "secret" in shown and "0/2" in shown and "a hint" in shown
    tests = gradescope(results)["tests"]
    assert tests[1]["output"] == "" and tests[0]["output"].count("case ") == 1


def test_a_rerun_says_how_many_were_skipped(graded, capsys):
    course.grade_class(graded["subs"], graded["whole"], **{**graded["kw"], "progress": True})
    said = capsys.readouterr()
    assert "0 graded, 5 skipped" in said.out and "0student" not in said.out + said.err


@pytest.mark.slow
def test_shards_graded_apart_merge_into_the_unsharded_result(graded):
    tmp, kw = graded["tmp"], graded["kw"]
    shards = [course.grade_class(graded["subs"], tmp / f"shard{k}", shard=f"{k}/2", **kw).parent for k in range(2)]
    assert all(len(table(s / "grades.csv")) < 5 for s in shards)
    run = subprocess.run([sys.executable, "-c", "import sys; from cnnzoo.cli import main; sys.exit(main())",
                          "exercises", "merge", *map(str, shards), "--out", str(tmp / "merged"), "--lms", "canvas",
                          "--roster", str(graded["roster"]), "--assignment", "Homework 3"],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    merged, whole = tmp / "merged", graded["whole"]
    reteach.write_report(whole)  # as `grade` writes it after an unsharded run
    for name in ("grades.csv", "grades-canvas.csv", "report.txt", "course.json"):
        assert (merged / name).read_text() == (whole / name).read_text(), name
    for student in table(whole / "grades.csv"):
        for name in ("results.json", "feedback.txt", "cases.json"):
            assert (merged / "students" / student / name).read_text() == \
                (whole / "students" / student / name).read_text()


def test_the_report_says_what_to_reteach(graded):
    page, plain = reteach.write_report(graded["whole"])
    summary = reteach.summarize_class(graded["whole"])
    slip = next(s for s in summary.slips if s["slip"] == SLIP)
    assert slip["students"] == 2 and slip["question"] == "valid_output"  # Bob and Ann (Jane's copy was fixed)
    assert slip["slide"] == "n - f + 1, repeated until the filter no longer fits" and slip["cost"] == 2.0
    assert [s["cost"] for s in summary.slips] == sorted((s["cost"] for s in summary.slips), reverse=True)
    assert f"2  {SLIP}  (output_size: valid_output; n - f + 1" in plain
    assert "output_size: valid_output" in plain and "not answered" in plain
    html = page.read_text()
    assert html.count("data:image/png;base64,") == 3 and SLIP in html
    assert sorted(p.name for p in (graded["whole"] / "report").glob("*.png")) == ["questions.png", "scores.png",
                                                                                   "slips.png"]


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="no chromium to render the page in")
def test_the_report_renders_its_charts_in_a_real_browser(graded, tmp_path):
    import numpy as np
    from PIL import Image

    page, _ = reteach.write_report(graded["whole"])
    shot = tmp_path / "shot.png"
    run = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1000,1400",
                          f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.exists(), run.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    # the histogram's blue and the slips' red, as drawn by the figures, are on the screen
    for colour in ((0x44, 0x77, 0xAA), (0xCC, 0x66, 0x77)):
        assert (np.abs(pixels - colour).sum(axis=-1) < 30).sum() > 500, colour
