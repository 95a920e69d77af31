"""The wheel of the cnnzoo that grades: it goes into the student folder and into
Gradescope's bundle, so students check with the very code that grades them.

From a checkout, the package and its build files are copied to a temporary folder and built
there with pip (``pip wheel --no-deps``; no build isolation when setuptools is at hand, so no
download), leaving the checkout untouched. From an installed package, the wheel is rebuilt
from the installed files its ``RECORD`` lists and its own metadata, byte for byte the same
at every release. Either way it holds no stock course (``cnnzoo/course_template``): a
student who unzips it finds no solution.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

__all__ = ["student_wheel", "checkout"]

_PACKAGE = Path(__file__).resolve().parents[1]
_BUILD_FILES = ("setup.cfg", "setup.py", "pyproject.toml", "README.md", "LICENSE", "MANIFEST.in")
_NOT_SHIPPED = ("course_template", "__pycache__")
_INSTALLER_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


def checkout() -> Path | None:
    """The source tree this cnnzoo runs from, or ``None`` when it is an installed package."""
    root = _PACKAGE.parent
    if root.name not in ("site-packages", "dist-packages") and (root / "setup.cfg").is_file() \
            and (root / "pyproject.toml").is_file():
        return root
    return None


def student_wheel(dest: str | os.PathLike[str]) -> Path:
    """Write the running cnnzoo's wheel, without the stock course, into ``dest``; return its path."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = checkout()
    return _build(root, dest) if root is not None else _rebuild_installed(dest)


def _build(root: Path, dest: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="cnnzoo-wheel-") as tmp:
        src, out = Path(tmp, "src"), Path(tmp, "out")
        shutil.copytree(root / "cnnzoo", src / "cnnzoo", ignore=shutil.ignore_patterns(*_NOT_SHIPPED, "*.py[co]"))
        for name in _BUILD_FILES:
            if (root / name).is_file():
                shutil.copyfile(root / name, src / name)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                   "--wheel-dir", str(out), str(src)]
        if all(importlib.util.find_spec(m) is not None for m in ("setuptools", "wheel")):
            command.insert(4, "--no-build-isolation")
        env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}  # the same files give the same wheel
        run = subprocess.run(command, capture_output=True, text=True, env=env)
        wheels = sorted(out.glob("cnnzoo-*.whl"))
        if run.returncode != 0 or len(wheels) != 1:
            raise RuntimeError(f"building cnnzoo's wheel from {root} failed (exit {run.returncode}): "
                               f"{(run.stderr or run.stdout)[-1500:]}")
        target = dest / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target


def _rebuild_installed(dest: Path) -> Path:
    try:
        dist = importlib.metadata.distribution("cnnzoo")
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(f"cnnzoo at {_PACKAGE} has no installed metadata and no source tree: "
                           "install it with pip to release a course") from None
    files = list(dist.files or [])
    init = next((f for f in files if f.as_posix() == "cnnzoo/__init__.py"), None)
    if init is None or Path(dist.locate_file(init)).resolve() != _PACKAGE / "__init__.py":
        raise RuntimeError(f"the installed cnnzoo metadata does not describe the package at {_PACKAGE} "
                           "(several copies installed?): reinstall cnnzoo")
    entries = []
    for f in files:
        parts = f.parts
        if parts[0] == "cnnzoo":
            keep = not any(p in _NOT_SHIPPED for p in parts) and f.suffix not in (".pyc", ".pyo")
        else:
            keep = parts[0].endswith(".dist-info") and len(parts) >= 2 and f.name not in _INSTALLER_FILES
        if keep:
            entries.append((f.as_posix(), Path(dist.locate_file(f)).read_bytes()))
    info = next(name for name, _ in entries if name.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
    wheel_text = next((data.decode() for name, data in entries if name == f"{info}/WHEEL"), "")
    tag = next((line.split(":", 1)[1].strip() for line in wheel_text.splitlines() if line.startswith("Tag:")),
               "py3-none-any")
    target = dest / f"cnnzoo-{dist.version}-{tag}.whl"
    tmp = target.with_name(target.name + ".tmp")
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in sorted(entries)]
    record.append(f"{info}/RECORD,,")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [*sorted(entries), (f"{info}/RECORD", ("\n".join(record) + "\n").encode())]:
            item = zipfile.ZipInfo(name, _EPOCH)
            item.external_attr = 0o644 << 16
            item.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(item, data)
    os.replace(tmp, target)
    return target


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
