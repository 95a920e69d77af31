"""The journeys of issue 20, run for real: an instructor's wheel installed in a fresh virtual
environment, outside any checkout, starts and releases a course; a student installs the
released wheel as its README says; Gradescope's protocol runs the bundle end to end with an
externally managed (PEP 668) Python.

Offline and quick: pip installs only the wheels made here (``--no-deps``, no index); the
libraries they need (NumPy, pytest, Keras) are this interpreter's, reached through a folder
of links to its site-packages that leaves out every cnnzoo.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
NUMPY_MODULES = ["mlp_cost", "output_size", "pooling", "receptive_field"]
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV"))}
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def _run(command, cwd, timeout=600, **env):
    run = subprocess.run([str(c) for c in command], cwd=cwd, env=_env(**env), capture_output=True, text=True,
                         timeout=timeout)
    assert run.returncode == 0, f"{command} failed ({run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


@pytest.fixture(scope="module")
def libraries(tmp_path_factory):
    """A folder of links to this interpreter's libraries, every cnnzoo and .pth left out."""
    folder = tmp_path_factory.mktemp("libraries")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().startswith(("cnnzoo", "__editable__", "_cnnzoo")) and entry.suffix != ".pth":
            (folder / entry.name).symlink_to(entry)
    return folder


def _venv(path, libraries, *wheels):
    """A fresh venv with ``wheels`` installed from files alone, the libraries reachable."""
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "libraries.pth").write_text(f"{libraries}\n")
    for wheel in wheels:
        _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
             cwd=path)
    return python


@pytest.fixture(scope="module")
def instructor_wheel(tmp_path_factory):
    """cnnzoo's wheel as pip builds it from the source tree (the stock course inside)."""
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("dist")
    for name in ("cnnzoo", "exercises", "solutions"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "README.md", "MANIFEST.in", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", out, src], cwd=src)
    return next(out.glob("cnnzoo-*.whl"))


def test_the_wheel_ships_the_repository_course_unchanged(instructor_wheel):
    with zipfile.ZipFile(instructor_wheel) as zf:
        shipped = {n[len("cnnzoo/course_template/"):]: zf.read(n) for n in zf.namelist()
                   if n.startswith("cnnzoo/course_template/")}
    repo = {p.relative_to(ROOT).as_posix(): p.read_bytes() for folder in ("exercises", "solutions")
            for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert shipped == repo


def _score(report):
    data = json.loads(Path(report).read_text())
    return data["score"], data["max_score"]


def test_installed_wheel_releases_a_course_students_install(instructor_wheel, libraries, tmp_path):
    teacher = _venv(tmp_path / "teacher", libraries, instructor_wheel)
    where = _run([teacher, "-c", "import cnnzoo; print(cnnzoo.__file__)"], cwd=tmp_path).stdout
    assert str(tmp_path / "teacher") in where  # the installed copy, not a checkout
    cnnzoo = teacher.parent / "cnnzoo"
    _run([cnnzoo, "exercises", "init", "course"], cwd=tmp_path)
    _run([cnnzoo, "exercises", "release", tmp_path / "out"], cwd=tmp_path / "course")  # --course: the cwd
    student = tmp_path / "out" / "student"
    wheel = next(student.glob("cnnzoo-*.whl"))
    with zipfile.ZipFile(wheel) as small, zipfile.ZipFile(instructor_wheel) as full:
        package = {n for n in full.namelist() if n.startswith("cnnzoo/") and "course_template" not in n}
        assert {n for n in small.namelist() if n.startswith("cnnzoo/")} == package
        assert all(small.read(n) == full.read(n) for n in package)  # the code that grades, byte for byte

    learner = _venv(tmp_path / "learner", libraries)
    lines = (student / "README.md").read_text().split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    pip_args = lines[0].split()[2:]  # pip install "./cnnzoo-...whl": the core line, offline here
    _run([sys.executable, "-m", "pip", "--python", learner, "install", "--quiet", "--no-deps", "--no-index",
          *(a.strip('"') for a in pip_args)], cwd=student)
    start = time.monotonic()
    run = subprocess.run([learner, "-m", "pytest", ".", "--grade-json", "stubs.json"], cwd=student, env=_env(),
                         capture_output=True, text=True, timeout=120)
    took = time.monotonic() - start
    assert _score(student / "stubs.json")[0] == 0 and took < 5, (took, run.stdout[-2000:])
    for module in NUMPY_MODULES:
        shutil.copy(ROOT / "solutions" / f"{module}.py", student)
    tests = [f"test_{m}.py" for m in NUMPY_MODULES]
    subprocess.run([learner, "-m", "pytest", *tests, "--grade-json", "good.json"], cwd=student, env=_env(),
                   capture_output=True, text=True, timeout=300)
    score, out_of = _score(student / "good.json")
    assert score == out_of > 0


# ------------------------------------------------------------------ Gradescope's protocol

def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _externally_managed_python(folder, libraries):
    """A copy of this Python whose standard library carries the EXTERNALLY-MANAGED marker."""
    base = Path(sys._base_executable).resolve()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    (folder / "bin").mkdir(parents=True)
    lib = folder / "lib" / stdlib.name
    shutil.copy(base, folder / "bin" / "python3")
    # real files, not links: the sandbox lets a student's process read the interpreter's own folders
    shutil.copytree(stdlib, lib, symlinks=True, copy_function=_link_or_copy,
                    ignore=shutil.ignore_patterns("site-packages", "test", "idlelib", "tkinter", "turtledemo"))
    (lib / "EXTERNALLY-MANAGED").write_text("[externally-managed]\nError=this Python is managed by the system\n")
    (lib / "site-packages").mkdir()
    (lib / "site-packages" / "libraries.pth").write_text(f"{libraries}\n")
    return folder / "bin"


def _peak_memory(pid, stop, peak):
    """Sample the total resident memory of ``pid`` and its descendants until ``stop``."""
    page = os.sysconf("SC_PAGE_SIZE")
    while not stop.is_set():
        parents, rss = {}, {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    parents[int(entry.name)] = int(fields[1])
                    rss[int(entry.name)] = int(fields[21]) * page
                except (OSError, IndexError, ValueError):
                    continue
        tree, grew = {pid}, True
        while grew:
            more = {p for p, parent in parents.items() if parent in tree} - tree
            tree |= more
            grew = bool(more)
        peak[0] = max(peak[0], sum(rss.get(p, 0) for p in tree))
        stop.wait(0.25)


def _autograde(root, submission, bins):
    if (root / "submission").exists():
        shutil.rmtree(root / "submission")
    shutil.copytree(submission, root / "submission")
    shutil.rmtree(root / "results", ignore_errors=True)
    env = _env(AUTOGRADER_ROOT=str(root), PATH=f"{bins}:{os.environ['PATH']}")
    start, stop, peak = time.monotonic(), threading.Event(), [0]
    proc = subprocess.Popen([str(root / "run_autograder")], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    sampler = threading.Thread(target=_peak_memory, args=(proc.pid, stop, peak))
    sampler.start()
    out, _ = proc.communicate(timeout=900)
    stop.set()
    sampler.join()
    assert proc.returncode == 0, out[-3000:]
    data = json.loads((root / "results" / "results.json").read_text())
    _check_format(data)
    return data, time.monotonic() - start, peak[0]


def _check_format(data):
    """Gradescope's documented results.json: score, execution_time (seconds), output,
    visibility, tests with name, score, max_score, output, visibility."""
    assert isinstance(data["score"], (int, float)) and isinstance(data["execution_time"], int)
    assert isinstance(data["output"], str) and data["visibility"] in VISIBILITY
    assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-6
    for test in data["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"] and test["visibility"] in VISIBILITY


def test_gradescope_protocol_end_to_end(tmp_path, libraries):
    from cnnzoo.grading.release import release

    out = release(tmp_path / "release", course=ROOT, secret="protocol")
    bins = _externally_managed_python(tmp_path / "system-python", libraries)
    refused = subprocess.run([bins / "python3", "-m", "pip", "install", "--no-deps", "--no-index", out["wheel"]],
                             env=_env(), capture_output=True, text=True)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr  # PEP 668 holds

    root = tmp_path / "autograder"
    with zipfile.ZipFile(out["autograder"]) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():  # zipfile drops the modes Gradescope keeps
            os.chmod(root / "source" / info.filename, info.external_attr >> 16 or 0o644)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": 42, "email": "s@uni"}]}))
    _run(["bash", root / "source" / "setup.sh"], cwd=root / "source", AUTOGRADER_ROOT=str(root),
         PATH=f"{bins}:{os.environ['PATH']}", CNNZOO_VENV_OPTIONS="--system-site-packages", PIP_NO_INDEX="1")
    assert (root / "venv" / "bin" / "cnnzoo").exists()

    stubs, took, _ = _autograde(root, ROOT / "exercises", bins)
    assert stubs["score"] == 0 and took < 30

    upload = tmp_path / "zipped"
    upload.mkdir()
    with zipfile.ZipFile(upload / "hw.zip", "w") as zf:
        for module in NUMPY_MODULES:
            zf.write(ROOT / "solutions" / f"{module}.py", f"hw/{module}.py")
    first, _, _ = _autograde(root, upload, bins)
    again, _, _ = _autograde(root, upload, bins)  # a regrade: the same cases, the same score
    assert first["tests"] == again["tests"] and first["score"] == again["score"] > 0
    assert "hw.zip was not unpacked" in first["output"] and "not in your upload" in first["output"]

    good, took, peak = _autograde(root, ROOT / "solutions", bins)
    hidden = [t for t in good["tests"] if t["visibility"] == "after_published"]
    assert good["score"] == good["max_score"] and hidden and all(t["score"] == t["max_score"] for t in hidden)
    visible = sum(t["max_score"] for t in good["tests"] if t["visibility"] == "visible")
    print(f"\nGradescope bundle, stock solutions: {good['score']}/{good['max_score']} ({visible} visible), "
          f"{took:.0f} s wall, execution_time {good['execution_time']} s, peak memory {peak / 2**30:.2f} GiB")
