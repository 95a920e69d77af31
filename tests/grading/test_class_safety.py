"""One student cannot break a class run, and the grader refuses where it cannot confine
student code: each attack a class grading met, as a test beside honest classmates."""

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from cnnzoo.grading import course, engine, integrity, runner
from cnnzoo.grading.limits import ChildCgroups, remove_tree
from cnnzoo.grading.submissions import MAX_ENTRIES, read_submission

ROOT = Path(__file__).resolve().parents[2]
SUITES = {s.module: s for s in engine.load_suites(ROOT / "exercises")}
ARITHMETIC = ["mlp_cost", "output_size", "convolution", "pooling", "parameters", "receptive_field",
              "store_activations", "local_features", "channels", "backward", "layer_cost"]


def solution(module):
    return (ROOT / "solutions" / f"{module}.py").read_text()


@pytest.fixture(scope="module")
def confinable():
    try:
        return integrity.require_confinement(False)
    except RuntimeError as err:
        pytest.skip(str(err))


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Student folders go to a folder of this test's own, to be checked empty afterwards."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def skipping(monkeypatch, *layers):
    """Stand for a kernel without these confinement layers (the child leaves them off)."""
    real = runner.child_setup

    def setup(*args):
        message, memory = real(*args)
        return {**message, "skip": list(layers)}, memory

    monkeypatch.setattr(runner, "child_setup", setup)


def make_class(tmp_path, attackers, honest=("alice", "bob"), module="output_size"):
    subs, questions = tmp_path / "subs", tmp_path / "questions"
    subs.mkdir()
    questions.mkdir()
    (questions / f"test_{module}.py").write_text((ROOT / "exercises" / f"test_{module}.py").read_text())
    for name in honest:
        (subs / name).mkdir()
        (subs / name / f"{module}.py").write_text(solution(module))
    for name, source in attackers.items():
        (subs / name).mkdir()
        (subs / name / f"{module}.py").write_text(source)
    return subs, questions


def rows(path):
    return {r["student"]: r for r in csv.DictReader(Path(path).open())}


def our_cgroups():
    return [p for parent, _, _ in ChildCgroups.parents() if parent.is_dir()
            for p in parent.glob(f"cnnzoo-{os.getpid()}-*")]


# ------------------------------------------------------------------------------ disk

DISK_FILLER = """
import os, threading
def _fill():
    for i in range(64):
        try:
            with open(f"junk{i}", "wb") as f:
                while True:
                    f.write(b"x" * (1 << 20))
        except OSError:
            continue
for _ in range(1100):  # a tree too deep for a recursive delete
    os.mkdir("d")
    os.chdir("d")
threading.Thread(target=_fill, daemon=True).start()
"""


@pytest.mark.parametrize("mount", ["private tmpfs", "watched folder"])
def test_a_disk_filler_costs_classmates_nothing_and_leaves_nothing(tmp_path, private_tmp, monkeypatch,
                                                                   confinable, mount):
    if mount == "watched folder":
        skipping(monkeypatch, "tmpfs")
    subs, questions = make_class(tmp_path, {"mallory": DISK_FILLER + solution("output_size")})
    path = course.grade_class(subs, tmp_path / "out", questions=questions, timeout=5, progress=False)
    got = rows(path)
    assert float(got["alice"]["score"]) == float(got["bob"]["score"]) == 10, got
    assert float(got["mallory"]["score"]) <= 10
    assert list(private_tmp.iterdir()) == []  # every student folder gone, 1,100 levels deep or not
    assert our_cgroups() == []
    feedback = (tmp_path / "out" / "students" / "mallory" / "feedback.txt").read_text()
    if mount == "watched folder":
        assert "it was stopped" in feedback or float(got["mallory"]["score"]) == 10
    else:
        assert "private tmpfs" in json.loads((tmp_path / "out" / "students" / "mallory" / "results.json")
                                             .read_text())["output"]


# ------------------------------------------------------------------------- zip members

def test_compressed_bombs_and_copies_are_read_within_bounds(tmp_path):
    path = tmp_path / "mallory.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("output_size.py", b"#" * (64 << 20), compress_type=zipfile.ZIP_DEFLATED)  # 64 MiB inflated
        zf.writestr("pooling.py", b"#" * (8 << 20), compress_type=zipfile.ZIP_BZIP2)
        zf.writestr("convolution.py", b"#" * (8 << 20), compress_type=zipfile.ZIP_LZMA)
        for depth in range(1, 3000):  # many copies: only the shallowest is read
            zf.writestr(f"c{depth}/" + "d/" * (depth % 60) + "parameters.py", f"DEPTH = {depth}\n")
    notes = []
    tracemalloc.start()
    start = time.perf_counter()
    found = read_submission(path, ["output_size", "pooling", "convolution", "parameters"], notes=notes)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found == {"parameters": "DEPTH = 60\n"}
    assert peak < 16 << 20 and seconds < 5, (peak, seconds)
    assert " ".join(notes).count("not read") == 3
    assert "bzip2" in " ".join(notes) and "LZMA" in " ".join(notes) and "larger than 1 MiB" in " ".join(notes)


def test_entries_and_time_are_bounded(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(MAX_ENTRIES + 1):
            zf.writestr(f"f{i}", "")
    with pytest.raises(ValueError, match="entries"):
        read_submission(path, ["output_size"])
    folder = tmp_path / "late"
    folder.mkdir()
    (folder / "output_size.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="time limit"):
        read_submission(folder, ["output_size"], deadline=time.monotonic() - 1)


def test_a_refused_member_is_named_in_the_problem_column(tmp_path, confinable):
    subs, questions = make_class(tmp_path, {}, honest=("alice",))
    with zipfile.ZipFile(subs / "mallory.zip", "w") as zf:
        zf.writestr("output_size.py", solution("output_size"), compress_type=zipfile.ZIP_BZIP2)
    got = rows(course.grade_class(subs, tmp_path / "out", questions=questions, progress=False))
    assert float(got["mallory"]["score"]) == 0 and "compressed with bzip2" in got["mallory"]["problem"]
    assert float(got["alice"]["score"]) == 10


# ------------------------------------------------------------------------------ memory

HOLDER = """
import os
def memfd():
    fd = os.memfd_create("hidden")
    os.ftruncate(fd, 3 << 30)
    return fd
def posix_shm():
    from multiprocessing import shared_memory
    return shared_memory.SharedMemory(create=True, size=1 << 30).name
def oom_score():
    return open("/proc/self/oom_score_adj").read().strip()
"""


def test_memory_cannot_hide_outside_the_limits(confinable):
    with runner.StudentProcess("holder", HOLDER, timeout=10) as child:
        memfd, shm, score = child.call("memfd"), child.call("posix_shm"), child.call("oom_score")
        sandbox = child.sandbox
    assert memfd.status == "error" and "Operation not permitted" in memfd.message, memfd
    assert shm.status == "error", shm
    assert score.value == "1000"  # the OOM killer's first choice, never the grader
    group = ChildCgroups({"memory": 1 << 30, "pids": 64, "cpu": 1})
    held = sandbox.rsplit(", ", 1)[-1]
    assert all(name in held for name in group.held) and (not group.held or held.endswith(" cgroup"))
    group.close()
    assert our_cgroups() == []


# -------------------------------------------------------------- fail closed, integrity

def test_without_landlock_a_class_is_refused_or_marked(tmp_path, monkeypatch, confinable, capsys):
    from cnnzoo.cli import main

    skipping(monkeypatch, "landlock")
    subs, questions = make_class(tmp_path, {}, honest=("alice",))
    with pytest.raises(RuntimeError, match="refusing to grade.*Landlock"):
        course.grade_class(subs, tmp_path / "out", questions=questions, progress=False)
    assert not (tmp_path / "out" / "grades.csv").exists()
    assert main(["exercises", "grade", str(subs), "--out", str(tmp_path / "cli"), "--exercises", str(questions)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--allow-unconfined" in err[0]
    got = rows(course.grade_class(subs, tmp_path / "out", questions=questions, progress=False,
                                  allow_unconfined=True))
    assert float(got["alice"]["score"]) == 10 and "WITHOUT kernel confinement" in got["alice"]["problem"]
    report = json.loads((tmp_path / "out" / "students" / "alice" / "results.json").read_text())
    assert "WITHOUT kernel confinement" in report["output"]


TAMPER = """
import os, sys
fd = os.open(SITE, os.O_RDONLY)  # the folder above the package: readable
target = os.open("cnnzoo/grading/report.py", os.O_WRONLY | os.O_APPEND, dir_fd=fd)
os.write(target, b"\\nraise SystemExit('planted')\\n")
"""

TAMPER_RUN = """
import sys
sys.path.insert(0, sys.argv[1])
import cnnzoo
assert cnnzoo.__file__.startswith(sys.argv[1])
from cnnzoo.grading import course, integrity, runner
real = runner.child_setup
runner.child_setup = lambda *a: ({**real(*a)[0], "skip": ["landlock"]}, real(*a)[1])
try:
    course.grade_class(sys.argv[2], sys.argv[3], questions=sys.argv[4], workers=1, progress=False,
                       allow_unconfined=True)
except integrity.GraderTampered as err:
    print("stopped:", err)
"""


@pytest.mark.slow
def test_a_change_to_the_graders_files_stops_the_run_before_any_report(tmp_path, confinable):
    import shutil

    site = tmp_path / "site"  # a private copy: nothing installed is ever written
    shutil.copytree(ROOT / "cnnzoo", site / "cnnzoo", ignore=shutil.ignore_patterns("__pycache__"))
    attack = TAMPER.replace("SITE", repr(str(site))) + solution("output_size")
    subs, questions = make_class(tmp_path, {"mallory": attack}, honest=("alice", "zed"))
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-c", TAMPER_RUN, str(site), str(subs), str(out), str(questions)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "stopped: the grader's files changed" in run.stdout and "report.py" in run.stdout, run.stderr[-2000:]
    assert (out / "students" / "alice" / "results.json").exists()
    assert not (out / "students" / "mallory").exists() and not (out / "students" / "zed").exists()
    assert not (out / "grades.csv").exists()


def test_a_grader_failure_is_retried_never_a_zero(tmp_path, monkeypatch, confinable):
    subs, questions = make_class(tmp_path, {}, honest=("alice", "bob"))
    monkeypatch.setattr(integrity, "require_confinement", lambda allow: confinable)
    real, failures = runner.StudentProcess._start, {"left": 1}

    def flaky(self):
        if failures["left"] > 0:
            failures["left"] -= 1
            raise runner.GraderError("No space left on device (standing in)")
        return real(self)

    monkeypatch.setattr(runner.StudentProcess, "_start", flaky)
    got = rows(course.grade_class(subs, tmp_path / "out", questions=questions, workers=1, progress=False))
    assert float(got["alice"]["score"]) == float(got["bob"]["score"]) == 10  # the one failure was retried

    monkeypatch.setattr(runner.StudentProcess, "_start", lambda self: (_ for _ in ()).throw(
        runner.GraderError("No space left on device (standing in)")))
    with pytest.raises(runner.GraderError, match="2 submission.*no row"):
        course.grade_class(subs, tmp_path / "again", questions=questions, progress=False)
    assert list(rows(tmp_path / "again" / "grades.csv")) == []  # nobody recorded as a zero


# ---------------------------------------------------------------------- imports as declared

def test_a_library_the_exercise_does_not_allow_cannot_answer(confinable):
    scipy_conv = "from scipy.signal import correlate2d\n" + solution("convolution")
    results = engine.grade_module(SUITES["convolution"], scipy_conv, seed=1, timeout=5)
    assert sum(r.score for r in results) == 0
    assert "not scipy" in results[0].hints[0] and "numpy" in results[0].hints[0]
    sneaky = """
import sys
def escape():
    sys.meta_path[:] = [m for m in sys.meta_path if "Unlisted" not in repr(m)]
    code = compile("import sklearn", sys.modules["numpy"].__file__, "exec")  # a frame posing as NumPy's
    exec(code, {})
    return 1
def internal():
    import numpy.linalg, json
    return 2
"""
    with runner.StudentProcess("sneaky", sneaky, timeout=10) as child:
        escaped, internal = child.call("escape"), child.call("internal")
    assert escaped.status == "error" and "PermissionError" in escaped.message  # the kernel: not readable at all
    assert internal.value == 2


# ------------------------------------------------------------------------- time limit

@pytest.mark.slow
def test_an_all_hanging_submission_ends_within_its_time_limit(confinable):
    hanging = {}
    for module in ARITHMETIC:
        text = (ROOT / "exercises" / f"{module}.py").read_text()
        hanging[module] = re.sub(r"raise NotImplementedError\(.*\)", "while True: pass", text)
    hanging["pooling"] = "while True:\n    pass\n"  # a module whose import hangs
    start = time.monotonic()
    results = engine.grade_submission([SUITES[m] for m in ARITHMETIC], hanging, seed=1, timeout=2,
                                      submission_timeout=12)
    elapsed = time.monotonic() - start
    assert elapsed < 12 + 4, elapsed
    assert sum(r.score for r in results) == 0
    assert any("time limit was reached" in h for r in results for h in r.hints)


# ------------------------------------------------------------------------- exact counts

@pytest.mark.parametrize("seed", range(6))
def test_forgetting_the_bias_on_a_large_layer_is_never_full_marks(seed):
    slips = {"mlp_cost": ("return inputs * hidden + hidden", "return inputs * hidden", "mlp_params"),
             "local_features": ("return size * size * channels * units + units",
                                "return size * size * channels * units", "dense_layer_params")}
    for module, (old, new, question) in slips.items():
        source = solution(module).replace(old, new)
        assert source != solution(module)
        results = engine.grade_module(SUITES[module], source, seed=seed, timeout=5)
        got = next(r for r in results if r.question == question)
        assert got.score == 0 and any("biases" in h for h in got.hints), got


# ------------------------------------------------------- the second round of attacks

ODD_ANSWERS = """
import numpy as np, os, __main__
def valid_output(n, f):
    return np.zeros((2,) * 22, np.int8)  # 4 MiB in 22 dimensions: slow to convert, quick to refuse
def repeated_valid(n, f):
    return np.zeros((2,) * 7, np.int8)  # 128 values, the wrong shape: judged by its shape alone
def padded_output(n, f, p):
    __main__.encode = lambda value, depth=0: {"t": "float", "v": 10 ** 400}
    return 1
def same_padding(f):
    os.kill(os.getpid(), 40)  # a real-time signal has no name
"""


def test_odd_answers_cost_their_own_cases_only(tmp_path, confinable):
    subs, questions = make_class(tmp_path, {"mallory": ODD_ANSWERS})
    start = time.monotonic()
    got = rows(course.grade_class(subs, tmp_path / "out", questions=questions, timeout=2, progress=False))
    assert time.monotonic() - start < 60
    assert float(got["alice"]["score"]) == float(got["bob"]["score"]) == 10
    assert float(got["mallory"]["score"]) == 0
    feedback = (tmp_path / "out" / "students" / "mallory" / "feedback.txt").read_text()
    assert "at most 8 dimensions" in feedback and "could not be read" in feedback
    assert "an array of shape (2, 2, 2, 2, 2, 2, 2)" in feedback and "signal 40" in feedback


def test_links_and_declared_directories_are_refused(tmp_path, confinable):
    subs, questions = make_class(tmp_path, {}, honest=("alice",))
    (subs / "mallory").symlink_to(ROOT / "solutions")  # a class archive may restore links
    got = rows(course.grade_class(subs, tmp_path / "out", questions=questions, progress=False))
    assert float(got["mallory"]["score"]) == 0 and "is a link" in got["mallory"]["problem"]
    with pytest.raises(ValueError, match="link"):
        read_submission(subs / "mallory", ["output_size"])
    bomb = tmp_path / "directory.zip"
    with zipfile.ZipFile(bomb, "w") as zf:
        for i in range(MAX_ENTRIES + 1):
            zf.writestr(str(i), b"")
    with pytest.raises(ValueError, match="declares"):
        read_submission(bomb, ["output_size"])


THREADS = """
import threading, time
COUNT = [0]
def _spin():
    while True:
        COUNT[0] += 1
threading.Thread(target=_spin, daemon=True).start()
def count():
    return COUNT[0]
def rate():
    start = COUNT[0]
    time.sleep(0.2)
    return COUNT[0] - start
def bomb():
    threading.stack_size(64 << 10)
    made = 0
    try:
        for _ in range(3000):
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            made += 1
    except RuntimeError:
        pass
    return made
def system_library():
    import glob
    found = glob.glob("/usr/lib/python3*/dist-packages/*/__init__.py")
    return open(found[0]).read(10) if found else None
"""


@pytest.mark.slow
def test_threads_are_bounded_and_stopped_between_calls(confinable):
    from cnnzoo.grading import boundary

    with runner.StudentProcess("spinner", THREADS, timeout=10) as child:
        per_fifth = child.call("rate").value
        before = child.call("count").value
        time.sleep(1.0)  # the grader at work: the student's thread must not run meanwhile
        after = child.call("count").value
        made = child.call("bomb")
        system = child.call("system_library")
    assert after - before < per_fifth, (after - before, per_fifth)
    assert made.status != "value" or made.value <= boundary.THREADS
    assert system.status == "error" or system.value is None  # the system's libraries are not the exercise's


# -------------------------------------------------------------- notebooks and uploads

def test_crafted_notebooks_cost_their_own_student_only(tmp_path, confinable):
    deep = "def valid_output(n, f):\n    return " + "+".join(["n*0"] * 700) + " + n - f + 1\n"
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": deep}
    both = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    subs, questions = make_class(tmp_path, {"mallory": solution("output_size")})
    (subs / "mallory" / "output_size.ipynb").write_text(json.dumps(both))  # beside a .py: compared, not run
    values = {**both, "metadata": {"x": [{}] * 1_000_000}}  # 2 million JSON values in 12 MB
    (subs / "trudy").mkdir()
    (subs / "trudy" / "output_size.ipynb").write_text(json.dumps(values))
    (subs / "eve").mkdir()  # terminal escapes and a fake total where a version belongs
    (subs / "eve" / "output_size.ipynb").write_text(json.dumps({**both, "nbformat": "4\x1b[2J\nTOTAL 10/10"}))
    start = time.monotonic()
    got = rows(course.grade_class(subs, tmp_path / "out", questions=questions, timeout=2, progress=False))
    assert time.monotonic() - start < 60
    assert float(got["alice"]["score"]) == float(got["bob"]["score"]) == 10
    assert float(got["mallory"]["score"]) <= 10 and float(got["trudy"]["score"]) == 0
    assert "JSON values" in got["trudy"]["problem"] and float(got["eve"]["score"]) == 0
    feedback = (tmp_path / "out" / "students" / "eve" / "feedback.txt").read_text()
    assert "\x1b" not in feedback and "TOTAL 10/10" not in feedback


def test_an_upload_the_grader_cannot_use_still_gets_its_results(tmp_path, confinable):
    upload = deep = tmp_path / "upload"
    upload.mkdir()
    for _ in range(1100):  # as Gradescope would unzip a crafted upload
        deep = deep / "d"
        deep.mkdir()
    (upload / "output_size.py").write_text(solution("output_size"))
    (upload / "notes.zip").write_bytes(b"PK\x06\x07" + b"\0" * 16 + b"PK\x05\x06" + b"\0" * 18)  # zip64 locator
    results = tmp_path / "results" / "results.json"
    results.parent.mkdir()
    questions = tmp_path / "questions"
    questions.mkdir()
    (questions / "test_output_size.py").write_text((ROOT / "exercises" / "test_output_size.py").read_text())
    try:
        data = course.autograde(upload, results, questions=questions, timeout=2, seed="upload")
        assert data["score"] == 10 and json.loads(results.read_text())["score"] == 10
        with pytest.raises(ValueError, match="zip64"):
            read_submission(upload / "notes.zip", ["output_size"])
    finally:
        remove_tree(upload / "d")  # pytest's own clean-up of old temporary folders recurses
