"""ARCHITECTURE.md stays true: every module it names exists, and every module exists in it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "ARCHITECTURE.md").read_text()


def _named():
    return {name.rstrip("/") for name in re.findall(r"`(cnnzoo/[^`]+)`", TEXT)}


def test_every_module_named_exists():
    missing = [name for name in _named() if not (ROOT / name).exists()]
    assert not missing, missing


def test_every_module_is_named():
    named = _named()
    modules = [p.relative_to(ROOT).as_posix() for p in (ROOT / "cnnzoo").rglob("*.py")
               if p.name != "__init__.py" and p.name != "__main__.py"]
    unnamed = [m for m in modules if m not in named]
    assert not unnamed, unnamed


def test_no_module_needs_a_scroll_bar():
    long = {p.relative_to(ROOT).as_posix(): n for p in (ROOT / "cnnzoo").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 280}
    assert not long, long
