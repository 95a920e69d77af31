"""Student notebooks from the reference solutions, as the stubs are made (:mod:`cnnzoo.grading.stubs`).

``exercises/<module>.ipynb``: the module's docstring as Markdown with what to do, its imports
and constants in one code cell, one code cell per function stub (its docstring included),
then the check cell (``check("<module>")``, :func:`cnnzoo.grading.kernel.check`). Cell ids
are fixed, so the same solutions give the same bytes and a stale notebook is found by
comparing them (``cnnzoo exercises build --check``, and a test).
"""

from __future__ import annotations

import ast
from pathlib import Path

from cnnzoo.files import write_atomic
from cnnzoo.grading.stubs import stub_source

__all__ = ["student_notebook", "build_notebooks"]

_INTRO = """# {module}

{doc}

**What to do.** Replace each `raise NotImplementedError(...)` with your answer (keep the
functions' names and arguments), run the cells, then run the last cell: `check("{module}")`
grades what this notebook defines, on fresh random cases, with the same questions and hints
as `pytest`, in a separate process with a few seconds per call, and shows your score.
Lines starting with `%` or `!` are for you alone: the grader removes them. Submit this
notebook as `{module}.ipynb` (or its code as `{module}.py`).

**Colab** (or a Python without the checker): put this notebook's folder (the student
folder: `test_{module}.py` and the cnnzoo wheel) in Colab's files, `%cd` there, and run
`%pip install cnnzoo-*.whl` in a cell first.
"""

_CHECK = 'from cnnzoo.grading import check\n\ncheck("{module}")'


def _cells(stub: str) -> tuple[str, list[str]]:
    """The module's docstring, and the code: imports and constants first, then one piece per
    function or class (its decorators and the comments above it included)."""
    tree = ast.parse(stub)
    lines = stub.splitlines()
    body = list(tree.body)
    doc = ast.get_docstring(tree) or ""
    start = body.pop(0).end_lineno if doc else 0
    pieces: list[list[str]] = [[]]
    for node in body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        while first > start and lines[first - 1].lstrip().startswith("#"):
            first -= 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            pieces[-1] += lines[start:first]
            pieces.append(lines[first:node.end_lineno])
        else:
            pieces[-1] += lines[start:node.end_lineno]
        start = node.end_lineno or start
    pieces[-1] += lines[start:]
    return doc, [text for text in ("\n".join(p).strip("\n") for p in pieces) if text.strip()]


def student_notebook(module: str, stub: str) -> str:
    """The notebook (nbformat 4.5 JSON) for a module whose stub text is ``stub``."""
    import nbformat
    from nbformat import v4

    if not isinstance(module, str) or not module.isidentifier():
        raise ValueError(f"module must be a Python identifier (a module's name); got {module!r}")
    doc, code = _cells(stub)
    cells = [v4.new_markdown_cell(_INTRO.format(module=module, doc=doc or module).rstrip())]
    cells += [v4.new_code_cell(text) for text in code]
    cells.append(v4.new_code_cell(_CHECK.format(module=module)))
    for number, cell in enumerate(cells):
        cell["id"] = f"{module[:50]}-{number}"
    book = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    book["nbformat_minor"] = 5
    return nbformat.writes(book) + "\n"


def build_notebooks(solutions: str | Path = "solutions", exercises: str | Path = "exercises",
                    check_only: bool = False) -> list[str]:
    """Write ``exercises/<m>.ipynb`` from ``solutions/<m>.py``; return the files that changed
    (with ``check_only``, the ones out of date, writing nothing)."""
    changed = []
    for src in sorted(Path(solutions).glob("*.py")):
        if src.name.startswith(("test_", "_", "conftest")):
            continue
        target = Path(exercises) / f"{src.stem}.ipynb"
        text = student_notebook(src.stem, stub_source(src.read_text(encoding="utf-8"), str(src)))
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            changed.append(str(target))
            if not check_only:
                write_atomic(target, text)
    return changed
