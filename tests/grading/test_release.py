"""A course outside the checkout, the student folder that installs itself, Gradescope's bundle."""

import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from cnnzoo.grading import course, engine
from cnnzoo.grading.coursefolder import find_course, init_course
from cnnzoo.grading.gradescope import read_secret, read_upload, student_id
from cnnzoo.grading.release import release
from cnnzoo.grading.runner import StudentProcess

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ untouched stubs

def test_untouched_stubs_start_no_process_and_score_zero(monkeypatch):
    def refuse(self):
        raise AssertionError(f"a process was started for {self.module}")

    monkeypatch.setattr(StudentProcess, "_start", refuse)
    suites = engine.load_suites(ROOT / "exercises")
    sources = {s.module: (ROOT / "exercises" / f"{s.module}.py").read_text() for s in suites}
    start = time.monotonic()
    results = engine.grade_submission(suites, sources, seed=1)
    assert time.monotonic() - start < 2
    assert engine.summary(results)["score"] == 0 and len(results) > 60
    assert {tuple(r.hints) for r in results} == {("not answered yet",)}


def test_a_stub_beside_an_answer_costs_only_its_own_questions():
    suite = engine.load_suite(ROOT / "exercises" / "test_mlp_cost.py")
    source = (ROOT / "solutions" / "mlp_cost.py").read_text()
    stubbed = source.replace("def weight_bytes(", "def weight_bytes(*a):\n    raise NotImplementedError\n\n\ndef _old(")
    got = {r.question: r for r in engine.grade_module(suite, stubbed, seed=3)}
    assert got["mlp_params"].score == got["mlp_params"].max_score
    assert got["weight_bytes"].score == 0 and got["weight_bytes"].hints == ["not answered yet"]


def test_a_stub_rebound_later_is_graded_as_written():
    suite = engine.load_suite(ROOT / "exercises" / "test_mlp_cost.py")
    source = (ROOT / "solutions" / "mlp_cost.py").read_text()
    rebound = "def mlp_params(*a):\n    raise NotImplementedError\n\n\n" + source  # the solution's def rebinds it
    got = {r.question: r for r in engine.grade_module(suite, rebound, seed=3)}
    assert got["mlp_params"].score == got["mlp_params"].max_score


# ------------------------------------------------------------------ the course folder

def test_init_copies_the_stock_course_and_refuses_to_overwrite(tmp_path):
    made = init_course(tmp_path / "course")
    for folder in ("exercises", "solutions"):
        names = sorted(p.relative_to(ROOT / folder).as_posix() for p in (ROOT / folder).rglob("*.py")
                       if "__pycache__" not in p.parts)
        assert sorted(p.relative_to(getattr(made, folder)).as_posix()
                      for p in getattr(made, folder).rglob("*.py")) == names
    assert made.hidden == tmp_path / "course" / "solutions" / "hidden"
    with pytest.raises(ValueError, match="already holds exercises/ and solutions/"):
        init_course(tmp_path / "course")
    with pytest.raises(TypeError, match="got int"):
        init_course(3)


def test_a_missing_course_folder_says_where_it_looked(tmp_path, monkeypatch, capsys):
    from cnnzoo.cli import main

    (tmp_path / "exercises").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["exercises", "build"]) == 2  # no solutions/: never "stubs are current"
    err = capsys.readouterr().err
    assert str(tmp_path / "solutions") in err and "stubs are current" not in err
    assert main(["exercises", "release", "out", "--course", str(tmp_path / "nowhere")]) == 2
    assert str(tmp_path / "nowhere" / "exercises") in capsys.readouterr().err
    init_course(tmp_path / "c")
    assert main(["exercises", "build", "--check", "--course", str(tmp_path / "c")]) == 0
    assert "stubs are current" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no course in the current folder"):
        find_course()


# ------------------------------------------------------------------ reading an upload

MODULES = ["mlp_cost", "pooling", "keras_lenet"]


def test_an_upload_left_zipped_is_read_and_explained(tmp_path):
    with zipfile.ZipFile(tmp_path / "work.zip", "w") as zf:
        zf.writestr("hw/mlp_cost.py", "A = 1\n")
        zf.writestr("hw/pooling.py", "B = 2\n")
    (tmp_path / "keras_lenet.ipynb").write_text("{}")
    sources, notes = read_upload(tmp_path, MODULES)
    assert sources == {"mlp_cost": "A = 1\n", "pooling": "B = 2\n"}
    assert any("work.zip was not unpacked" in n and "mlp_cost.py, pooling.py" in n for n in notes)
    assert any(n.startswith("keras_lenet.ipynb: not a notebook the grader can read") for n in notes)
    assert any("not in your upload" in n and "keras_lenet.py" in n for n in notes)


def test_an_upload_without_modules_lists_what_it_holds(tmp_path):
    (tmp_path / "answers.txt").write_text("42")
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    sources, notes = read_upload(tmp_path, MODULES)
    assert sources == {}
    assert any("broken.zip, which could not be read" in n for n in notes)
    assert any("no exercise module found" in n and "answers.txt" in n and "mlp_cost.py" in n for n in notes)
    assert read_upload(tmp_path / "missing", MODULES)[0] == {}


def test_student_id_and_secret(tmp_path):
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"users": [{"id": 9, "email": "b@x"}, {"email": "a@x"}]}))
    assert student_id(meta) == "9,a@x" and student_id(None) == "" and student_id(tmp_path / "none") == ""
    (tmp_path / "s").write_text("  \n")
    with pytest.raises(ValueError, match="is empty"):
        read_secret(tmp_path / "s")


# ------------------------------------------------------------------ release

@pytest.fixture(scope="module")
def released(tmp_path_factory):
    return release(tmp_path_factory.mktemp("release"), course=ROOT, secret="course-secret")


def install_lines(readme):
    """The commands of the README's first fenced block."""
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_student_readme_installs_the_wheel_beside_it(released):
    student, wheel = released["student"], released["wheel"]
    assert wheel.parent == student and wheel.name.startswith("cnnzoo-") and wheel.suffix == ".whl"
    lines = install_lines((student / "README.md").read_text())
    assert lines == [f'pip install "./{wheel.name}"', f'pip install "./{wheel.name}[keras]"']
    readme = (student / "README.md").read_text()
    assert "keras_lenet, train_lenet, transfer_head, visualise need Keras" in readme
    assert "```bash\npytest .\n```" in readme


def test_the_wheel_holds_the_package_and_no_course(released):
    with zipfile.ZipFile(released["wheel"]) as zf:
        names = set(zf.namelist())
        record = zf.read(next(n for n in names if n.endswith(".dist-info/RECORD"))).decode()
        engine_bytes = zf.read("cnnzoo/grading/engine.py")
    package = {p.relative_to(ROOT).as_posix() for p in (ROOT / "cnnzoo").rglob("*.py")}
    assert package <= names
    assert not [n for n in names if "course_template" in n or n.endswith(".pyc")]
    assert engine_bytes == (ROOT / "cnnzoo" / "grading" / "engine.py").read_bytes()
    assert {line.split(",")[0] for line in record.splitlines()} == names


@pytest.mark.slow
def test_the_bundle_installs_into_a_venv_and_keeps_its_secret(released, tmp_path):
    with zipfile.ZipFile(released["autograder"]) as zf:
        names = set(zf.namelist())
        setup, secret = zf.read("setup.sh").decode(), zf.read("course_secret").decode()
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    assert {"setup.sh", "run_autograder", released["wheel"].name, "questions/hidden/test_output_size.py"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert 'python3 -m venv ${CNNZOO_VENV_OPTIONS:-} "$ROOT/venv"' in setup
    assert f'"$ROOT/source/{released["wheel"].name}[keras]"' in setup and secret.strip() == "course-secret"
    again = release(tmp_path, course=ROOT)  # no secret given: one kept in OUT/.secret, the same next time
    first = zipfile.ZipFile(again["autograder"]).read("course_secret")
    assert first == zipfile.ZipFile(release(tmp_path, course=ROOT)["autograder"]).read("course_secret")


def test_autograde_draws_the_same_cases_for_the_same_student(tmp_path):
    questions = tmp_path / "questions"
    questions.mkdir()
    shutil.copy(ROOT / "exercises" / "test_output_size.py", questions)
    (tmp_path / "secret").write_text("s3cret\n")
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"users": [{"id": 1}]}))
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "output_size.py").write_text((ROOT / "solutions" / "output_size.py").read_text()
                                        .replace("return n - f + 1", "return n - f"))
    kw = dict(questions=questions, secret_file=tmp_path / "secret", metadata=meta, timeout=2)
    one = course.autograde(sub, tmp_path / "1.json", **kw)
    two = course.autograde(sub, tmp_path / "2.json", **kw)
    assert one["tests"] == two["tests"] and one["output"] == two["output"] and 0 < one["score"] < one["max_score"]
    meta.write_text(json.dumps({"users": [{"id": 2}]}))
    assert course.autograde(sub, tmp_path / "3.json", **kw)["output"] != one["output"]  # another seed
    assert isinstance(one["execution_time"], int) and one["execution_time"] >= 1


def test_students_get_modules_notebooks_or_both(released, tmp_path, monkeypatch):
    from cnnzoo.cli import main

    student = released["student"]
    modules = [s.module for s in engine.load_suites(ROOT / "exercises")]
    for module in modules:  # both, by default: the notebooks as built, beside the stubs
        assert (student / f"{module}.ipynb").read_bytes() == (ROOT / "exercises" / f"{module}.ipynb").read_bytes()
        assert (student / f"{module}.py").is_file()
    readme = (student / "README.md").read_text()
    assert "## In a notebook (Jupyter, Colab)" in readme and f"%pip install {released['wheel'].name}" in readme
    fake = tmp_path / "cnnzoo-0-py3-none-any.whl"
    fake.write_bytes(b"wheel")
    monkeypatch.setattr("cnnzoo.grading.wheel.student_wheel", lambda folder: fake)
    assert main(["exercises", "release", str(tmp_path / "nb"), "--course", str(ROOT), "--notebooks", "notebooks"]) == 0
    names = {p.name for p in (tmp_path / "nb" / "student").iterdir()}
    assert {f"{m}.ipynb" for m in modules} <= names and not {f"{m}.py" for m in modules} & names
    assert {f"test_{m}.py" for m in modules} <= names  # check() and pytest read the questions there
    only = release(tmp_path / "py", course=ROOT, notebooks="modules")["student"]
    assert not list(only.glob("*.ipynb")) and "In a notebook" not in (only / "README.md").read_text()
    with pytest.raises(ValueError, match="notebooks must be one of modules, notebooks, both; got 'all'"):
        release(tmp_path / "x", course=ROOT, notebooks="all")


def test_release_refuses_a_stale_notebook(tmp_path):
    made = init_course(tmp_path / "c")
    (made.exercises / "pooling.ipynb").write_text("{}")
    with pytest.raises(ValueError, match=r"out of date with .*pooling.ipynb \(run: cnnzoo exercises build\)"):
        release(tmp_path / "out", course=tmp_path / "c")
