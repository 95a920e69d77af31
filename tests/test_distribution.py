"""The built distributions, checked from the outside: the sdist's listing and its own tests,
the wheel's files and metadata (as pip reads them), and the core install in a fresh venv
outside the checkout (slow: it downloads NumPy and pytest).

The sdist and the wheel are built as ``python -m build`` builds them: the sdist from the
tracked files with setuptools' PEP 517 backend in a separate folder, the wheel from the
unpacked sdist.
"""

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND = "setuptools>=77.0.3"  # pyproject.toml's build requirement
CORE = {"numpy", "pytest", "tqdm", "nbformat"}
HEAVY = {"tensorflow", "keras", "mlxtend", "pandas", "scipy", "scikit-learn", "matplotlib", "jax", "torch"}


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "3", **extra}


def _sources(dest):
    """The checkout's files (tracked and not ignored), copied to ``dest``."""
    try:
        names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):  # an unpacked sdist: no git
        names = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()
                 and not re.search(r"(^|/)(\.venv|__pycache__|build|dist|out|[^/]*\.egg-info)(/|$)",
                                   p.relative_to(ROOT).as_posix())]
    for name in names:
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return sorted(n for n in names if (ROOT / n).is_file())


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dist")
    backend = tmp / "backend"
    run = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          "--target", str(backend), BACKEND, "wheel"], capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        pytest.skip(f"could not install the build backend ({BACKEND}): {run.stderr[-500:]}")
    src, out = tmp / "src", tmp / "out"
    src.mkdir()
    out.mkdir()
    files = _sources(src)
    build = "import sys; from setuptools import build_meta as b; print(getattr(b, sys.argv[1])(sys.argv[2]))"
    env = _clean_env(PYTHONPATH=str(backend))
    made = subprocess.run([sys.executable, "-c", build, "build_sdist", str(out)], cwd=src, env=env,
                          capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    sdist = out / made.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    unpacked = tmp / "unpacked" / sdist.name[: -len(".tar.gz")]
    made = subprocess.run([sys.executable, "-c", build, "build_wheel", str(out)], cwd=unpacked, env=env,
                          capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    assert "License classifiers are deprecated" not in made.stderr
    wheel = out / made.stdout.strip().splitlines()[-1]
    return {"sdist": sdist, "wheel": wheel, "unpacked": unpacked, "files": files}


@pytest.mark.slow
def test_the_sdist_holds_every_source_file_and_no_build_debris(dists):
    with tarfile.open(dists["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    needed = {"tests/conftest.py", "exercises/conftest.py", "solutions/hidden/test_output_size.py", "LICENSE",
              "MANIFEST.in", "Makefile", "ARCHITECTURE.md", "notebooks/cnn_lecture.ipynb",
              "cnnzoo/datasets/mnist_5k.npz", "cnnzoo/datasets/LICENSE-MNIST.txt", "setup.cfg", "pyproject.toml"}
    assert needed <= names, needed - names
    missing = {f for f in dists["files"] if f != ".gitignore"} - names
    assert not missing, missing
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]


@pytest.mark.slow
def test_the_sdist_passes_its_own_tests(dists):
    """From the unpacked sdist alone (its conftest, its ARCHITECTURE.md, its data, its
    exercises and solutions), outside the checkout."""
    unpacked = dists["unpacked"]
    env = _clean_env(PYTHONPATH=str(unpacked))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_architecture.py",
                          "tests/arithmetic/test_arithmetic.py", "tests/test_packaging.py"],
                         cwd=unpacked, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and " passed" in run.stdout, \
        run.stdout[-3000:] + run.stderr[-2000:]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "exercises/test_output_size.py",
                          "--grade-against", "solutions", "--grade-instructor"],
                         cwd=unpacked, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and re.search(r"TOTAL +12/12 ", run.stdout), run.stdout[-3000:]


def test_the_wheel_holds_the_package_its_data_and_licences(dists):
    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = set(whl.namelist())
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert {"cnnzoo/datasets/mnist_5k.npz", "cnnzoo/datasets/LICENSE-MNIST.txt", "cnnzoo/grading/plugin.py",
            f"{info}/licenses/LICENSE"} <= names
    assert {n.split("/")[0] for n in names} == {"cnnzoo", info}  # no tests/, exercises/ at the top
    assert os.path.getsize(dists["wheel"]) < 2_000_000


def test_the_wheel_metadata_is_a_light_core_with_extras(dists):
    import cnnzoo

    with zipfile.ZipFile(dists["wheel"]) as whl:
        text = whl.read(next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = whl.read(next(n for n in whl.namelist() if n.endswith("entry_points.txt"))).decode()
    meta = email.parser.Parser().parsestr(text)
    assert meta["Name"] == "cnnzoo" and meta["Version"] == cnnzoo.__version__
    assert meta["License-Expression"] == "MIT" and meta["Requires-Python"] == ">=3.10"
    requires = meta.get_all("Requires-Dist")
    name = lambda r: re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0].lower()  # noqa: E731
    core = {name(r) for r in requires if "extra ==" not in r}
    assert core == CORE, core
    by_extra = {}
    for r in requires:
        if (m := re.search(r'extra == "([^"]+)"', r)):
            by_extra.setdefault(m.group(1), set()).add(name(r))
    assert set(meta.get_all("Provides-Extra")) == {"keras", "figures", "data", "gpu", "backends", "hub", "dev"}
    assert {"tensorflow", "keras", "matplotlib", "scikit-learn"} <= by_extra["keras"]
    assert "mlxtend" not in {name(r) for r in requires} and "pandas" not in {name(r) for r in requires}
    assert {"cnnzoo", "ruff", "nbclient"} <= by_extra["dev"]  # dev = [keras] + the tools
    assert any(r.startswith("cnnzoo[keras]") and 'extra == "dev"' in r for r in requires)
    classifiers = set(meta.get_all("Classifier"))
    for c in ("Operating System :: POSIX :: Linux", "Operating System :: MacOS",
              "Operating System :: Microsoft :: Windows", "Intended Audience :: Education",
              "Development Status :: 4 - Beta", "Framework :: Pytest",
              *(f"Programming Language :: Python :: 3.{v}" for v in range(10, 15))):
        assert c in classifiers, c
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Source", "Issues", "Documentation"} <= set(urls)
    assert all(u.startswith("https://github.com/cnnzoo/cnnzoo") for u in urls.values())
    assert "cnnzoo = cnnzoo.cli:main" in entry_points and "cnnzoo_grading = cnnzoo.grading.plugin" in entry_points


@pytest.mark.slow
def test_the_core_install_grades_the_numpy_exercises_outside_any_checkout(dists, tmp_path):
    """``pip install cnnzoo`` (the wheel) in a fresh venv: under 300 MB, no TensorFlow; the
    NumPy exercises' solutions get full marks from a course folder outside the checkout,
    and the Keras ones say what to install."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300, env=_clean_env())
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = str(bindir / "python")
    run = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(dists["wheel"])],
                         capture_output=True, text=True, timeout=900, env=_clean_env())
    if run.returncode != 0:
        pytest.skip(f"could not install the core's requirements here: {run.stderr[-500:]}")
    listed = json.loads(subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True,
                                       env=_clean_env(), check=True).stdout)
    installed = {p["name"].lower() for p in listed}
    assert CORE | {"cnnzoo"} <= installed and not installed & HEAVY, installed & HEAVY
    size = sum(p.stat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < 300e6, f"{size / 1e6:.0f} MB"

    course = tmp_path / "course"
    for folder in ("exercises", "solutions"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("__pycache__"))
    env = _clean_env()
    version = subprocess.run([str(bindir / "cnnzoo"), "--version"], capture_output=True, text=True, env=env, cwd=course)
    assert version.stdout.strip() == "cnnzoo " + dists["wheel"].name.split("-")[1]
    train = subprocess.run([str(bindir / "cnnzoo"), "train", "lenet5"], capture_output=True, text=True, env=env,
                           cwd=course, timeout=120)
    assert train.returncode == 1 and train.stderr == \
        'cnnzoo train: error: cnnzoo train needs Keras: pip install "cnnzoo[keras]"\n', train.stderr
    report = tmp_path / "results.json"
    graded = subprocess.run([python, "-m", "pytest", "-p", "no:cacheprovider", "exercises", "--grade-against",
                             "solutions", "--grade-json", str(report)], capture_output=True, text=True, env=env,
                            cwd=course, timeout=900)
    results = json.loads(report.read_text())
    scores = {}
    for test in results["tests"]:
        module = test["name"].split(":")[0]
        got = scores.setdefault(module, [0.0, 0.0])
        got[0] += test["score"]
        got[1] += test["max_score"]
    keras_modules = {"keras_lenet", "train_lenet", "transfer_head", "visualise"}
    numpy_modules = set(scores) - keras_modules
    assert len(numpy_modules) == 11 and keras_modules <= set(scores), scores
    assert all(scores[m][0] == scores[m][1] > 0 for m in numpy_modules), scores
    assert sum(scores[m][0] for m in numpy_modules) == 92.5
    assert all(scores[m][0] == 0 for m in keras_modules)
    assert graded.stdout.count('needs Keras') >= 4 and "your code" not in graded.stdout, graded.stdout[-3000:]
