"""What students are given holds no answer: no stub contains the body of any solution block
(of any module, whitespace aside), and backward.py's gradient check is the grader's own."""

import ast
from pathlib import Path

import pytest

from cnnzoo.grading.stubs import solution_blocks

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.py"))
STUBS = sorted(p for p in (ROOT / "exercises").glob("*.py") if not p.name.startswith(("test_", "conftest")))


def _flat(text):
    return " ".join(text.split())


def test_every_solution_has_a_stub():
    assert {p.name for p in SOLUTIONS} <= {p.name for p in STUBS}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_no_stub_holds_a_solution_block(path):
    stubs = {p.name: _flat(p.read_text()) for p in STUBS}
    blocks = solution_blocks(path.read_text())
    assert blocks, f"{path.name} has no solution block"
    for block in blocks:
        body = _flat(block)
        leaks = [name for name, text in stubs.items() if body in text]
        assert not leaks, f"{path.name}: the block {body[:60]!r} appears in {leaks}"


def _definitions(path, names):
    tree = ast.parse(path.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            found[node.name] = ast.dump(node)
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in names for t in node.targets):
            found[node.targets[0].id] = ast.dump(node.value)
    return found


def test_the_students_gradient_check_is_the_graders():
    names = {"numerical_gradient", "relative_error", "TOLERANCE"}
    theirs = _definitions(ROOT / "exercises" / "backward.py", names)
    ours = _definitions(ROOT / "exercises" / "test_backward.py", names)
    assert set(theirs) == names and theirs == ours


def test_the_gradient_check_holds_no_gradient():
    # the helper differentiates whatever forward pass it is given: no layer's gradient inside
    source = ast.get_source_segment((ROOT / "exercises" / "backward.py").read_text(),
                                    next(n for n in ast.parse((ROOT / "exercises" / "backward.py").read_text()).body
                                         if isinstance(n, ast.FunctionDef) and n.name == "numerical_gradient"))
    for word in ("tensordot", "argmax", "pad", "cache", "f * f", "> 0"):
        assert word not in source
