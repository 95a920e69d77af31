"""Notebooks: generated from the solutions, read as modules without running anything, graded
by every path (check in a kernel, pytest, grade, autograde) as the same code in a module."""

import ast
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from cnnzoo.grading import course, engine, notebooks
from cnnzoo.grading.gradescope import read_upload
from cnnzoo.grading.kernel import check
from cnnzoo.grading.stubs import solution_blocks
from cnnzoo.grading.studentnb import _cells, build_notebooks, student_notebook
from cnnzoo.grading.submissions import read_submission

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "solutions").glob("*.py"))


def solved(module, tmp, *, extra_cells=(), name=None):
    """The released notebook with each stub cell replaced by the solution's cell."""
    book = nbformat.read(ROOT / "exercises" / f"{module}.ipynb", as_version=4)
    _, answers = _cells((ROOT / "solutions" / f"{module}.py").read_text())
    code = [c for c in book.cells if c.cell_type == "code"]
    assert len(code) == len(answers) + 1  # one cell per piece of the stub, then the check
    for cell, answer in zip(code, answers):
        cell.source = answer
    book.cells[-1:-1] = [nbformat.v4.new_code_cell(c) for c in extra_cells]
    path = Path(tmp) / (name or f"{module}.ipynb")
    nbformat.write(book, path)
    return path


# ------------------------------------------------------------------ generated from the solutions

def test_notebooks_are_generated_from_solutions(tmp_path):
    assert build_notebooks(ROOT / "solutions", ROOT / "exercises", check_only=True) == []
    assert len(build_notebooks(ROOT / "solutions", tmp_path)) == len(MODULES)
    assert build_notebooks(ROOT / "solutions", tmp_path) == []  # the same bytes again: nothing stale
    (tmp_path / "pooling.ipynb").write_text((tmp_path / "pooling.ipynb").read_text().replace("max", "min"))
    assert build_notebooks(ROOT / "solutions", tmp_path, check_only=True) == [str(tmp_path / "pooling.ipynb")]


@pytest.mark.parametrize("module", MODULES)
def test_a_notebook_has_the_docstring_a_cell_per_stub_and_the_check(module):
    book = nbformat.read(ROOT / "exercises" / f"{module}.ipynb", as_version=4)
    nbformat.validate(book)
    stub = (ROOT / "exercises" / f"{module}.py").read_text()
    tree = ast.parse(stub)
    assert book.cells[0].cell_type == "markdown" and ast.get_docstring(tree) in book.cells[0].source
    code = [c.source for c in book.cells[1:]]
    assert code[-1] == f'from cnnzoo.grading import check\n\ncheck("{module}")'
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):  # each whole in one cell
        holding = [ast.parse(c).body for c in code if f"def {function.name}(" in c]
        assert len(holding) == 1 and ast.dump(function) in [ast.dump(n) for n in holding[0]]
        assert ast.get_docstring(function) is not None
    assert [ast.dump(n) for n in ast.parse("\n".join(code[:-1])).body] == [ast.dump(n) for n in tree.body[1:]]
    for block in solution_blocks((ROOT / "solutions" / f"{module}.py").read_text()):
        assert block.strip() not in json.dumps(book)


def test_student_notebook_names_its_rule():
    with pytest.raises(ValueError, match="module must be a Python identifier.*'my-module'"):
        student_notebook("my-module", "x = 1\n")


# ------------------------------------------------------------------ read, never run

def book(*cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# notes")] +
                                  [nbformat.v4.new_code_cell(c) for c in cells])
    return nbformat.writes(nb)


def test_magics_and_shell_escapes_are_removed_with_a_note():
    notes = []
    source = notebooks.notebook_source(book(
        "!pip install numpy\nimport numpy as np", "%%writefile output_size.py\ndef valid_output(n, f):\n    return 0",
        'def valid_output(n, f):\n    """%d\n!x"""\n    if n:\n        !ls\n    return (n\n% 100) - f + 1',
        "files = !ls\nget_ipython().system('ls')\n%time x = 1\nvalid_output?",
        "%%time\ndef padded_output(n, f, p):\n    return n + 2 * p - f + 1",
        "from cnnzoo.grading import check\ncheck('output_size')"), "output_size.ipynb", notes)
    tree = ast.parse(source)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert names == ["valid_output", "padded_output"]  # the %%writefile cell is gone, %%time's body kept
    assert '"""%d\n!x"""' in source and "(n\n% 100)" in source  # Python inside strings and brackets stays
    assert "cnnzoo" not in source and "get_ipython" not in source and "!" not in source.replace('!x"""', "")
    namespace = {}
    exec(compile(source, "nb", "exec"), namespace)  # noqa: S102  (the test's own text, to prove it is Python)
    assert namespace["valid_output"](9, 3) == 7 and namespace["padded_output"](5, 3, 1) == 5
    assert len(notes) == 1 and notes[0].startswith("output_size.ipynb: not run by the grader, removed: ")
    for said in ("shell escape !pip install numpy (cell 1)", "cell magic %%writefile (cell 2)",
                 "shell escape !ls (cell 3)", "shell escape files = !ls (cell 4)", "get_ipython() call (cell 4",
                 "line magic %time x = 1 (cell 4)", "help valid_output? (cell 4)", "cell magic %%time (cell 5)"):
        assert said in notes[0]


@pytest.mark.parametrize("data, said", [
    (b"{not json", "not a notebook the grader can read"),
    (b"[]", "not a notebook the grader can read"),
    (b"[" * 100_000 + b"]" * 100_000, "not a notebook the grader can read"),
    (b" " * (notebooks.MAX_NOTEBOOK + 1), "larger than 16 MiB"),
    (book("%pip install x", ""), "no code found in it"),
    (book(*["x = 1"] * (notebooks.MAX_CELLS + 1)), "2002 cells; at most 2000"),
    (book("x = '" + "a" * notebooks.MAX_CODE + "'"), "its code cells hold more than 1 MiB"),
])
def test_a_notebook_that_cannot_be_used_says_why(data, said):
    notes = []
    notebooks.notebook_source(data, "pooling.ipynb", notes)
    assert any(n.startswith("pooling.ipynb: ") and said in n for n in notes), notes


def test_a_submission_holding_notebooks_is_read_from_a_folder_and_a_zip(tmp_path):
    answer = (ROOT / "solutions" / "output_size.py").read_text()
    (tmp_path / "sub" / "deep").mkdir(parents=True)
    solved("output_size", tmp_path / "sub" / "deep")
    (tmp_path / "sub" / "pooling.ipynb").write_text(book("!rm -rf ~\ndef max_pool(x, f, s):\n    return x"))
    notes = []
    got = read_submission(tmp_path / "sub", ["output_size", "pooling"], notes=notes)
    assert set(got) == {"output_size", "pooling"} and "def max_pool" in got["pooling"]
    assert notes == ["pooling.ipynb: not run by the grader, removed: shell escape !rm -rf ~ (cell 1)"]
    with zipfile.ZipFile(tmp_path / "sub.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(tmp_path / "sub" / "deep" / "output_size.ipynb", "hw/output_size.ipynb")
        zf.writestr("output_size.py", (ROOT / "exercises" / "output_size.py").read_text())
    notes = []
    zipped = read_submission(tmp_path / "sub.zip", ["output_size"], notes=notes)
    assert zipped == {"output_size": got["output_size"]} and notes == []  # the stub .py holds nothing to lose
    suite = engine.load_suite(ROOT / "exercises" / "test_output_size.py")
    as_module = engine.grade_module(suite, answer, seed=5)
    as_notebook = engine.grade_module(suite, zipped["output_size"], seed=5)
    assert [(r.question, r.score) for r in as_notebook] == [(r.question, r.score) for r in as_module]
    assert engine.summary(as_notebook)["score"] == suite_points(suite)


def suite_points(suite):
    return sum(q.points for q in suite.questions)


def test_a_module_and_a_notebook_for_one_exercise_the_report_says_which(tmp_path):
    slip = (ROOT / "solutions" / "output_size.py").read_text().replace("return n - f + 1", "return n - f")
    (tmp_path / "output_size.py").write_text(slip)
    solved("output_size", tmp_path)
    notes = []
    got = read_submission(tmp_path, ["output_size"], notes=notes)["output_size"]
    assert "return n - f\n" in got  # a tie in stubs (none): the .py
    assert notes == ["output_size: graded output_size.py, not output_size.ipynb (both are in the submission; "
                     "the .py is graded unless the notebook answers more functions)"]
    (tmp_path / "output_size.py").write_text(slip.replace("return n + 2 * p - f + 1", "raise NotImplementedError"))
    notes = []
    got = read_submission(tmp_path, ["output_size"], notes=notes)["output_size"]
    assert "# In[" in got and notes == ["output_size: graded output_size.ipynb, not output_size.py (1 function(s) "
                                        "still stubs there, 0 in the notebook)"]


def test_read_upload_grades_notebooks_and_names_the_ones_it_cannot_place(tmp_path):
    solved("output_size", tmp_path)
    (tmp_path / "homework.ipynb").write_text(book("def max_pool(x, f, s):\n    return x"))
    sources, notes = read_upload(tmp_path, ["output_size", "pooling"])
    assert set(sources) == {"output_size"}
    assert any("not graded: homework.ipynb" in n and "rename a notebook" in n for n in notes)
    assert any("not in your upload" in n and "pooling.py" in n for n in notes)
    assert not any("save the notebook" in n for n in notes)


def test_a_shell_escape_in_a_submitted_notebook_never_runs_in_the_grader(tmp_path):
    marker = tmp_path / "written"
    questions = tmp_path / "questions"
    questions.mkdir()
    (questions / "test_output_size.py").write_text((ROOT / "exercises" / "test_output_size.py").read_text())
    sub = tmp_path / "sub"
    sub.mkdir()
    escapes = [f"!touch {marker}", f"%%bash\ntouch {marker}", f"%%writefile {marker}\nx = 1",
               f"get_ipython().system('touch {marker}')", f"files = !touch {marker}"]
    solved("output_size", sub, extra_cells=escapes)
    data = course.autograde(sub, tmp_path / "results.json", questions=questions, seed="s", timeout=3)
    assert not marker.exists() and data["score"] == data["max_score"] == 10
    assert "output_size.ipynb: not run by the grader, removed: shell escape !touch" in data["output"]
    assert "cell magic %%bash" in data["output"] and "get_ipython() call" in data["output"]
    solved("output_size", sub, extra_cells=[f"import os\nos.system('touch {marker}')"])  # Python: the sandbox
    data = course.autograde(sub, tmp_path / "results.json", questions=questions, seed="s", timeout=3)
    assert not marker.exists() and data["score"] == 0
    assert "exercises may not use os.system" in data["tests"][0]["output"]


# ------------------------------------------------------------------ check() and pytest, outside a kernel

def test_check_grades_a_notebook_file_and_one_question(tmp_path, capsys):
    (tmp_path / "test_output_size.py").write_text((ROOT / "exercises" / "test_output_size.py").read_text())
    path = solved("output_size", tmp_path)
    full = check(notebook=path, seed=3)
    assert full.score == full.max_score == 10
    printed = capsys.readouterr().out
    assert "TOTAL" in printed and "10/10  (seed 3)" in printed
    one = check(notebook=path, question="strided_output", seed=3)
    assert [r.question for r in one.results] == ["strided_output"] and one.score == 3
    assert "<td>strided_output</td><td>3/3</td><td>ok</td>" in one._repr_html_()
    with pytest.raises(ValueError, match="output_size has no question 'nope'; its questions: valid_output"):
        check(notebook=path, question="nope")
    os.remove(tmp_path / "test_output_size.py")
    with pytest.raises(ValueError, match="no questions for output_size: test_output_size.py is not in"):
        check(notebook=path)
    with pytest.raises(ValueError, match="name the exercise to check.*got 'a b'"):
        check("a b")


def test_pytest_grades_a_folder_of_notebooks(tmp_path):
    for module in ("output_size", "pooling"):
        (tmp_path / f"test_{module}.py").write_text((ROOT / "exercises" / f"test_{module}.py").read_text())
    solved("output_size", tmp_path, extra_cells=["!echo hi"])
    (tmp_path / "pooling.ipynb").write_text((ROOT / "exercises" / "pooling.ipynb").read_text())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider", "--grade-seed", "4"], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    out = run.stdout
    assert "output_size.ipynb: not run by the grader, removed: shell escape !echo hi (cell" in out
    assert re.search(r"= output_size +10/10\n", out) and re.search(r"\npooling +0/6.5  x  not answered yet", out)
    assert re.search(r"\nTOTAL +10/16.5  \(seed 4\)", out)


# ------------------------------------------------------------------ in a real kernel (nbclient)

NUMPY = [s.module for s in engine.load_suites(ROOT / "exercises") if "keras" not in s.allow]


def execute(book, folder, monkeypatch, **env):
    """Run a notebook in a Jupyter kernel of this interpreter, with this checkout's cnnzoo."""
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    nbclient.NotebookClient(book, timeout=180, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}}).execute()
    shown = book.cells[-1].outputs
    assert [o.output_type for o in shown] == ["display_data"], shown  # the table, once: no Out[] repeating it
    return shown[0].data["text/plain"], shown[0].data["text/html"]


def student_folder(tmp_path, module):
    folder = tmp_path / "student"
    folder.mkdir(exist_ok=True)
    (folder / f"test_{module}.py").write_text((ROOT / "exercises" / f"test_{module}.py").read_text())
    return folder


def test_an_untouched_notebook_scores_0_and_shows_the_table(tmp_path, monkeypatch):
    folder = student_folder(tmp_path, "output_size")
    book = nbformat.read(ROOT / "exercises" / "output_size.ipynb", as_version=4)
    text, page = execute(book, folder, monkeypatch)
    assert re.search(r"output_size +0/10  x  not answered yet \(6 questions\)", text)
    assert "<table class='cnnzoo-score'>" in page and "<td>valid_output</td><td>0/1</td><td>x</td>" in page


@pytest.mark.parametrize("module", [pytest.param(m, marks=[] if m == "output_size" else pytest.mark.slow)
                                    for m in NUMPY])
def test_a_solved_notebook_gets_full_marks_through_check_grade_and_autograde(module, tmp_path, monkeypatch):
    folder = student_folder(tmp_path, module)
    path = solved(module, folder)
    book = nbformat.read(path, as_version=4)
    suite = engine.load_suite(folder / f"test_{module}.py")
    points = report_points(suite_points(suite))
    text, page = execute(book, folder, monkeypatch)
    assert re.search(rf"\nTOTAL +{points}/{points}  \(seed \d+\)", text), text
    assert "x  " not in text.split("\n", 1)[1] and f"<th>{points}/{points}</th>" in page
    nbformat.write(book, path)  # the notebook as it was run, outputs included, is what is submitted
    questions = tmp_path / "questions"
    questions.mkdir()
    (questions / f"test_{module}.py").write_text((folder / f"test_{module}.py").read_text())
    data = course.autograde(folder, tmp_path / "results.json", questions=questions, timeout=5)
    assert data["score"] == data["max_score"] == suite_points(suite) and "removed" not in data["output"]
    class_ = tmp_path / "class"
    (class_ / "ada").mkdir(parents=True)
    (class_ / "ada" / f"{module}.ipynb").write_bytes(path.read_bytes())
    grades = course.grade_class(class_, tmp_path / "grades", questions=questions, progress=False)
    row = grades.read_text().splitlines()[1].split(",")
    assert row[0] == "ada" and float(row[1]) == float(row[2]) == suite_points(suite), row


def report_points(x):
    return f"{x:g}"


@pytest.mark.slow
def test_check_reads_the_saved_notebook_and_says_when_it_is_older_than_what_ran(tmp_path, monkeypatch):
    folder = student_folder(tmp_path, "output_size")
    path = solved("output_size", folder)
    text, _ = execute(nbformat.read(path, as_version=4), folder, monkeypatch, JPY_SESSION_NAME=str(path))
    assert re.search(r"\nTOTAL +10/10", text) and "differs" not in text
    # on disk: the untouched stubs; in the kernel: a call that failed before its answer, then the answers
    stubs = (ROOT / "exercises" / "output_size.ipynb").read_text()
    path.write_text(stubs)
    book = nbformat.reads(stubs, as_version=4)
    _, answers = _cells((ROOT / "solutions" / "output_size.py").read_text())
    book.cells[-1:-1] = [nbformat.v4.new_code_cell(c) for c in ["valid_output(32, 5)", *answers]]
    text, _ = execute(book, folder, monkeypatch, JPY_SESSION_NAME=str(path))
    assert "NotImplementedError" in str(book.cells[-len(answers) - 2].outputs)  # the call did fail in the kernel
    assert "the saved output_size.ipynb differs from what you ran (padded_output, pixel_uses" in text
    assert re.search(r"\nTOTAL +10/10", text)
