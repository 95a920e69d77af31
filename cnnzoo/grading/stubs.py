"""Student stubs from the reference solutions: the single source of every exercise.

Code between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` becomes a stub; everything else
(signature, docstring, helpers) is copied, so a stub cannot drift from its solution.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["stub_source", "build_stubs", "solution_blocks", "unanswered"]

_BEGIN, _END = "# BEGIN SOLUTION", "# END SOLUTION"


def stub_source(solution: str, filename: str = "<solution>") -> str:
    """The student's version of a solution file: each marked block becomes a stub.

    >>> print(stub_source("def f(n):\\n    \\"\\"\\"Twice n.\\"\\"\\"\\n    # BEGIN SOLUTION\\n    return 2 * n\\n    # END SOLUTION\\n"))
    def f(n):
        \"\"\"Twice n.\"\"\"
        raise NotImplementedError("f: fill this in")
    <BLANKLINE>
    """
    out: list[str] = []
    inside, func = False, "this"
    for number, line in enumerate(solution.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("def "):
            func = stripped[4:].split("(")[0]
        if stripped == _BEGIN:
            if inside:
                raise ValueError(f"{filename}:{number}: {_BEGIN} inside another solution block")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("{func}: fill this in")')
        elif stripped == _END:
            if not inside:
                raise ValueError(f"{filename}:{number}: {_END} without {_BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{filename}: {_BEGIN} is never closed")
    return "\n".join(out) + "\n"


def build_stubs(solutions: str | Path = "solutions", exercises: str | Path = "exercises",
                check_only: bool = False) -> list[str]:
    """Write ``exercises/<m>.py`` from ``solutions/<m>.py``; return the files that changed.

    With ``check_only`` nothing is written: the list says which stubs are out of date.
    """
    changed = []
    for src in sorted(Path(solutions).glob("*.py")):
        if src.name.startswith(("test_", "_", "conftest")):
            continue
        target = Path(exercises) / src.name
        text = stub_source(src.read_text(encoding="utf-8"), str(src))
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            changed.append(str(target))
            if not check_only:
                target.write_text(text, encoding="utf-8")
    return changed


def unanswered(source: str) -> frozenset[str]:
    """The module's functions that are still stubs: bound once, at the top level, undecorated,
    whose body is (a docstring and) ``raise NotImplementedError(...)``. Such a function
    raises before it does anything, so the grader scores its questions 0 without starting
    the student's process (no Keras import, no reference work). A module that does not
    parse, or rebinds the name anywhere, has no stubs here: it is graded as usual.

    >>> sorted(unanswered('def f(n):\\n    "Doc."\\n    raise NotImplementedError("f")\\n'
    ...                   'def g():\\n    return 1\\n'))
    ['f']
    >>> unanswered('def f():\\n    raise NotImplementedError\\nf = len\\n')
    frozenset()
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    bound: dict[str, int] = {}
    for node in ast.walk(tree):  # every binding of a name, anywhere (global statements included)
        if (isinstance(node, ast.Name) and node.id in _DYNAMIC) or (isinstance(node, ast.Attribute) and node.attr
                                                                  in _DYNAMIC) or (isinstance(node, ast.alias)
                                                                                   and node.name == "*"):
            return frozenset()  # names bound by code the tree does not show: graded as usual
        names = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names = [node.id]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [(a.asname or a.name).split(".")[0] for a in node.names]
        elif isinstance(node, ast.Global):
            names = list(node.names)
        for name in names:
            bound[name] = bound.get(name, 0) + 1
    stubs = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.decorator_list or bound.get(node.name) != 1:
            continue
        body = node.body[1:] if (node.body and isinstance(node.body[0], ast.Expr)
                                 and isinstance(node.body[0].value, ast.Constant)
                                 and isinstance(node.body[0].value.value, str)) else node.body
        if len(body) == 1 and isinstance(body[0], ast.Raise) and _not_implemented(body[0].exc):
            stubs.add(node.name)
    return frozenset(stubs)


_DYNAMIC = frozenset({"exec", "eval", "compile", "globals", "locals", "vars", "setattr", "__import__",
                      "__dict__", "__setattr__", "importlib", "modules"})


def _not_implemented(exc: ast.expr | None) -> bool:
    if isinstance(exc, ast.Call) and not exc.keywords:
        exc = exc.func
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def solution_blocks(solution: str) -> list[str]:
    r"""The text of every solution block, to check that no student material contains one.

    >>> solution_blocks("def f():\n    # BEGIN SOLUTION\n    return 2\n    # END SOLUTION\n")
    ['    return 2']
    """
    blocks, current = [], None
    for line in solution.splitlines():
        if line.strip() == _BEGIN:
            current = []
        elif line.strip() == _END and current is not None:
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks
