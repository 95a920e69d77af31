"""The course workflow: the release holds no solution, its student folder and Gradescope
bundle grade, a class graded in parallel equals serial and resumes, the CLI's errors."""

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from cnnzoo.grading import course
from cnnzoo.grading.stubs import solution_blocks

ROOT = Path(__file__).resolve().parents[2]

# ------------------------------------------------------------------ course workflow

@pytest.fixture(scope="module")
def released(tmp_path_factory):
    return course.release(tmp_path_factory.mktemp("release"))


def _solution_bodies():
    for path in (ROOT / "solutions").glob("*.py"):
        for body in solution_blocks(path.read_text()):
            lines = [line.strip() for line in body.splitlines() if len(line.strip()) > 12]
            yield path.name, lines


def test_release_holds_no_solution_text(released):
    texts = {p.name: p.read_text() for p in released["student"].iterdir() if p.suffix != ".whl"}
    with zipfile.ZipFile(released["autograder"]) as zf:
        # the bundle is the grader's (references inside, as Gradescope's are); its library aside,
        # it carries no solution either
        texts.update({n: zf.read(n).decode() for n in zf.namelist() if not n.endswith(".whl")})
    with zipfile.ZipFile(released["wheel"]) as zf:  # the library: no course in it
        assert not [n for n in zf.namelist() if "course_template" in n or n.startswith(("solutions", "exercises"))]
    for name, lines in _solution_bodies():
        for line in lines:
            leaks = [where for where, text in texts.items() if line in text]
            assert not leaks, f"{name}: {line!r} appears in {leaks}"


@pytest.mark.slow
def test_release_student_folder_grades_stubs_zero(released, tmp_path, run_pytest):
    folder = tmp_path / "student"
    shutil.copytree(released["student"], folder)
    report = tmp_path / "r.json"
    run = run_pytest(".", "--grade-json", str(report), cwd=folder)
    assert json.loads(report.read_text())["score"] == 0, run.stdout[-2000:]
    names = {p.name for p in folder.iterdir()}
    assert {"README.md", "conftest.py", "output_size.py", "test_output_size.py"} <= names
    assert "hidden" not in names and not any("large inputs" in p.read_text() for p in folder.glob("*.py"))


@pytest.mark.slow
def test_autograder_bundle_grades_a_submission(released, tmp_path):
    with zipfile.ZipFile(released["autograder"]) as zf:
        zf.extractall(tmp_path / "source")
        assert {"setup.sh", "run_autograder"} <= set(zf.namelist())
    run = (tmp_path / "source" / "run_autograder").read_text()
    assert 'exercises autograde "$ROOT/submission"' in run and "AUTOGRADER_ROOT:-/autograder" in run
    for name, folder, full in (("good", ROOT / "solutions", True), ("stubs", ROOT / "exercises", False)):
        data = course.autograde(folder, tmp_path / f"{name}.json", questions=tmp_path / "source" / "questions",
                                timeout=10)
        assert (data["score"] == data["max_score"]) if full else data["score"] == 0
        assert "output_size: strided_output (large inputs)" in {t["name"] for t in data["tests"]}


def _class(folder, solution, modules):
    folder.mkdir()
    shutil.copytree(ROOT / "solutions", folder / "ada")
    shutil.copytree(ROOT / "exercises", folder / "bo")
    with zipfile.ZipFile(folder / "cy.zip", "w") as zf:  # nested folder, extra files that must be ignored
        for module in modules:
            zf.writestr(f"work/deep/{module}.py", solution(module).replace("return n - f + 1", "return n - f"))
        zf.writestr("work/conftest.py", "raise SystemExit('never imported')")
        zf.writestr("sitecustomize.py", "raise SystemExit('never imported')")
    (folder / "dee.zip").write_bytes(b"not a zip")
    (folder / "eve").mkdir()
    (folder / "fay").mkdir()
    (folder / "fay" / "output_size.py").write_text("while True:\n    pass\n")
    return folder


@pytest.mark.slow
def test_class_grading_parallel_equals_serial_and_resumes(tmp_path, solution, numpy_modules):
    subs = _class(tmp_path / "subs", solution, numpy_modules)
    questions = tmp_path / "questions"  # the NumPy suites only: the Keras ones are graded in tests/exercises/
    questions.mkdir()
    for module in numpy_modules:
        shutil.copy(ROOT / "exercises" / f"test_{module}.py", questions)
    kw = dict(questions=questions, seed="course", timeout=1.0, progress=False)
    one = course.grade_class(subs, tmp_path / "one", workers=1, **kw).read_text()
    two = course.grade_class(subs, tmp_path / "two", workers=2, **kw).read_text()
    assert one == two
    rows = {line.split(",")[0]: line.split(",") for line in one.splitlines()[1:]}
    assert float(rows["ada"][1]) == float(rows["ada"][2]) > 0
    assert float(rows["bo"][1]) == 0 and float(rows["eve"][1]) == 0 and float(rows["fay"][1]) == 0
    assert 0 < float(rows["cy"][1]) < float(rows["cy"][2])
    assert "not a readable zip" in rows["dee"][-1] and "no exercise modules" in rows["eve"][-1]
    assert (tmp_path / "one" / "students" / "ada" / "feedback.txt").exists()
    report = tmp_path / "one" / "students" / "ada" / "results.json"
    stamp = report.stat().st_mtime_ns
    again = course.grade_class(subs, tmp_path / "one", workers=1, **kw).read_text()
    assert again == one and report.stat().st_mtime_ns == stamp  # already graded: skipped, not redone


def test_cli_exercises_errors_exit_2(tmp_path):
    from cnnzoo.cli import main

    assert main(["exercises", "grade"]) == 2
    assert main(["exercises", "grade", str(tmp_path / "missing")]) == 2
