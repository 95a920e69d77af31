"""A notebook read as a module: its code cells, with nothing of IPython's left to run.

The grader never executes a notebook. It reads only its cells' types and sources, as plain JSON (bounded:
:data:`MAX_NOTEBOOK` bytes, :data:`MAX_VALUES` values counted before parsing, :data:`MAX_CELLS` cells,
:data:`MAX_CODE` bytes of code), keeps the code cells in order and removes what only IPython runs: a cell
that starts with a cell magic (``%%writefile``, ``%%bash``; the Python bodies of ``%%time`` and
``%%capture`` are kept), line magics (``%pip``), shell escapes (``!ls``, ``x = !ls``), help (``obj?``),
statements on ``get_ipython()``, and the notebook's own check (``from cnnzoo.grading import check``,
``check(...)``). Each removal but the check becomes ``pass`` (so a block stays a block) and is named in a
note. The text left is graded exactly as a module, in the same sandboxed process.

>>> cells, notes = ["%pip install numpy", "import numpy as np\\n!ls\\ndef f(n):\\n    return 2 * n",
...                 "%%bash\\nrm -rf /", "from cnnzoo.grading import check\\ncheck('m')"], []
>>> print(cells_source(cells, "m.ipynb", notes))
# In[1]
pass  # removed by the grader
<BLANKLINE>
# In[2]
import numpy as np
pass  # removed by the grader
def f(n):
    return 2 * n
<BLANKLINE>
# In[3]
<BLANKLINE>
# In[4]
<BLANKLINE>
>>> notes
['m.ipynb: not run by the grader, removed: line magic %pip install numpy (cell 1); shell escape !ls (cell 2); cell magic %%bash (cell 3)']
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from cnnzoo.grading.stubs import unanswered

__all__ = ["MAX_NOTEBOOK", "MAX_CELLS", "code_cells", "cells_source", "notebook_source", "choose", "folder_modules", "strip_cell"]

MAX_NOTEBOOK = 16 << 20  # bytes of one .ipynb (outputs, images included)
MAX_CELLS = 2000
MAX_VALUES = 200_000  # JSON values (counted by their separators) in one notebook
MAX_CODE = 1 << 20  # bytes of code kept from one notebook (as a module's MAX_SOURCE)
_KEEP_BODY = {"time", "capture"}  # cell magics whose body is Python run in the kernel's namespace
_LINE = re.compile(r"^\s*(?:[%!?]|[A-Za-z_][\w.]*\s*=\s*[!%]|[\w.]+\?{1,2}\s*$|(?:pip|conda)\s+install\s)")
_REMOVED = "pass  # removed by the grader"


def code_cells(data: bytes | str, name: str = "notebook") -> list[str]:
    """The source of every code cell of a notebook file's text; a file that is too large, not
    a notebook, or has too many cells raises ``ValueError`` saying so."""
    if len(data) > MAX_NOTEBOOK:
        raise ValueError(f"{name}: not read: larger than {MAX_NOTEBOOK >> 20} MiB (clear its outputs: "
                         "Edit > Clear outputs of all cells, then save)")
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    values = text.count(",") + text.count("{") + text.count("[")
    if values > MAX_VALUES:  # before any parsing: each JSON value costs the grader memory
        raise ValueError(f"{name}: not read: about {values:,} JSON values; at most {MAX_VALUES:,} are read "
                         "(clear its outputs: Edit > Clear outputs of all cells, then save)")
    try:  # only the cells' types and sources are used: plain JSON, no schema, no conversion
        notebook = json.loads(text)
        cells = notebook.get("cells") if isinstance(notebook, dict) else None
        if not isinstance(cells, list) or int(notebook.get("nbformat", 4)) < 4:
            raise ValueError("no list of cells in the notebook format 4")
    except (ValueError, TypeError, RecursionError) as err:
        raise ValueError(f"{name}: not a notebook the grader can read ({type(err).__name__}); "
                         "save it again from Jupyter or Colab") from None
    if len(cells) > MAX_CELLS:
        raise ValueError(f"{name}: not read: {len(cells)} cells; at most {MAX_CELLS} are read")
    sources = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        sources.append(source if isinstance(source, str) else "")
    if sum(len(s) for s in sources) > MAX_CODE:
        raise ValueError(f"{name}: not read: its code cells hold more than {MAX_CODE >> 20} MiB")
    return sources


def _magic_rows(lines: list[str]) -> list[int]:
    """Rows (0-based) holding an IPython line: a candidate that begins a statement, outside a
    string, a bracket or a continued line (scanned as Python; a removed row is not scanned)."""
    rows, depth, quote, continued = [], 0, "", False
    for i, line in enumerate(lines):
        if not quote and not depth and not continued and _LINE.match(line):
            rows.append(i)
            continue
        continued, j = False, 0
        while j < len(line):
            c = line[j]
            if quote:
                if c == "\\":
                    j += 2
                    continue
                if line.startswith(quote, j):
                    j, quote = j + len(quote), ""
                    continue
            elif c == "#":
                break
            elif c in "\"'":
                quote = line[j:j + 3] if line[j:j + 3] in ('"""', "'''") else c
                j += len(quote)
                continue
            elif c in "([{":
                depth += 1
            elif c in ")]}":
                depth = max(0, depth - 1)
            elif c == "\\" and j == len(line) - 1:
                continued = True
            j += 1
        if len(quote) == 1:  # a one-line string is closed at the end of its line
            quote = ""
    return rows


def _kind(what: str) -> str:
    """How a removed line is named in the note: its kind and its first 40 characters."""
    command = what.split("=", 1)[1].lstrip() if re.match(r"[\w.]+\s*=\s*[!%]", what) else what
    kind = {"%": "line magic", "!": "shell escape"}.get(command[:1], "help" if "?" in command else "shell command")
    shown = "".join(c if c.isprintable() else "?" for c in what)
    return f"{kind} {shown[:40]}{'...' if len(shown) > 40 else ''}"


def strip_cell(cell: str, number: int, removed: list[str]) -> str:
    """Cell ``number``'s code without what only IPython runs, each removal noted in ``removed``."""
    lines = re.sub(r"\A(?:[ \t]*\r?\n)+", "", cell).splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].split()[0]
        removed.append(f"cell magic {magic[:40]} (cell {number})")
        if magic[2:] not in _KEEP_BODY:
            return ""
        lines = lines[1:]
    for i in _magic_rows(lines):
        removed.append(f"{_kind(lines[i].strip())} (cell {number})")
        lines[i] = lines[i][: len(lines[i]) - len(lines[i].lstrip())] + _REMOVED
    return _drop_statements("\n".join(lines), number, removed)


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _drop_statements(text: str, number: int, removed: list[str]) -> str:
    """``get_ipython()`` statements become ``pass``; the notebook's check goes (top level)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text  # graded as written: the module does not load, and the student is told why
    lines = text.splitlines()
    checks: set[str] = set()
    spans = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cnnzoo.grading"):
            checks |= {a.asname or a.name for a in node.names}
            spans.append((node, None))
        elif isinstance(node, ast.Import) and all(a.name.startswith("cnnzoo") for a in node.names):
            if any(a.name.startswith("cnnzoo.grading") or a.asname is None for a in node.names):
                checks |= {(a.asname or a.name).split(".")[0] for a in node.names}
                spans.append((node, None))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                isinstance(_root(node.value), ast.Name) and _root(node.value).id in checks:
            spans.append((node, None))
    for node in ast.walk(tree):
        value = getattr(node, "value", None)
        if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign)) and isinstance(value, ast.Call) \
                and isinstance(_root(value), ast.Name) and _root(value).id == "get_ipython":
            spans.append((node, f"get_ipython() call (cell {number}, line {node.lineno})"))
    for node, note in spans:
        first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        if lines[first][: node.col_offset].strip() or lines[last][node.end_col_offset or 0:].strip(" \t;#"):
            continue  # shares its lines with another statement: left as written
        lines[first] = lines[first][: node.col_offset] + (_REMOVED if note else "pass")
        lines[first + 1: last + 1] = [""] * (last - first)
        if note:
            removed.append(note)
    kept = "\n".join(lines)
    return "" if not kept.replace("pass", "").strip() else kept


def cells_source(cells: list[str], name: str, notes: list[str]) -> str:
    """The module text of a notebook's code cells (each headed ``# In[k]``); what was removed
    is named in ``notes``."""
    removed: list[str] = []
    parts = [f"# In[{k}]\n{strip_cell(cell, k, removed).strip(chr(10))}".rstrip("\n") for k, cell in enumerate(cells, 1)]
    if removed:
        notes.append(f"{name}: not run by the grader, removed: {'; '.join(removed[:8])}"
                     + (f" (+{len(removed) - 8} more)" if len(removed) > 8 else ""))
    return "\n\n".join(parts) + "\n"


def notebook_source(data: bytes | str, name: str, notes: list[str]) -> str | None:
    """A notebook file's text as a module's, or ``None`` (with a note) when it cannot be used."""
    try:
        cells = code_cells(data, name)
    except ValueError as err:
        notes.append(str(err))
        return None
    source = cells_source(cells, name, notes)
    if not any(line.strip() and not line.startswith("# In[") and line.strip() not in ("pass", _REMOVED)
               for line in source.splitlines()):
        notes.append(f"{name}: no code found in it (its code cells are empty or only run IPython commands)")
    return source


def _answers(source: str) -> dict[str, str]:
    """The module's top-level functions that are not stubs, as code."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {"": source}  # it does not parse: whatever it holds differs
    stubs, lines = unanswered(source), source.splitlines()
    return {n.name: "\n".join(lines[n.lineno - 1:n.end_lineno]) for n in tree.body  # its text: no recursion
            if isinstance(n, ast.FunctionDef) and n.name not in stubs}


def choose(module: str, py: str | None, notebook: str | None, notes: list[str], nb_name: str = "") -> str | None:
    """The one text graded for ``module`` when the submission has a ``.py``, a notebook, or
    both: of both, the one with fewer functions still stubs, the ``.py`` on a tie. The note
    says which was graded, unless the other holds no answer the graded one lacks.

    >>> notes, py = [], "def f():\\n    raise NotImplementedError\\ng = 2\\n"
    >>> choose("m", py, "def f():\\n    return 1\\n", notes)
    'def f():\\n    return 1\\n'
    >>> notes  # the .py holds no answer the notebook lacks: nothing to say
    []
    >>> choose("m", "def f():\\n    return 2\\n", "def f():\\n    return 1\\n", notes)
    'def f():\\n    return 2\\n'
    >>> notes
    ['m: graded m.py, not m.ipynb (both are in the submission; the .py is graded unless the notebook answers more functions)']
    """
    nb_name = nb_name or f"{module}.ipynb"
    if py is None or notebook is None:
        return py if notebook is None else notebook
    stubs_py, stubs_nb = len(unanswered(py)), len(unanswered(notebook))
    graded, other = (notebook, py) if stubs_nb < stubs_py else (py, notebook)
    if all(_answers(graded).get(name) == code for name, code in _answers(other).items()):
        return graded
    if graded is notebook:
        notes.append(f"{module}: graded {nb_name}, not {module}.py ({stubs_py} function(s) still stubs there, "
                     f"{stubs_nb} in the notebook)")
    else:
        notes.append(f"{module}: graded {module}.py, not {nb_name} (both are in the submission; the .py is "
                     "graded unless the notebook answers more functions)")
    return graded


def folder_modules(folder: str | Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A student's working folder (not its subfolders) as the grader reads a submission: each
    ``<m>.py`` and ``<m>.ipynb`` (test modules and ``conftest`` aside), of both the one
    :func:`choose` picks; and the notes for each module."""
    files: dict[str, dict[str, str | None]] = {}
    notes: dict[str, list[str]] = {}
    for path in sorted(Path(folder).glob("*")):
        if path.suffix not in (".py", ".ipynb") or path.name.startswith(("test_", "conftest", ".")) \
                or not path.is_file() or path.is_symlink():
            continue
        said = notes.setdefault(path.stem, [])
        cap = MAX_NOTEBOOK if path.suffix == ".ipynb" else MAX_CODE
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
        if len(data) > cap:
            said.append(f"{path.name}: not read: larger than {cap >> 20} MiB")
            continue
        book = path.suffix == ".ipynb"
        files.setdefault(path.stem, {})[path.suffix] = notebook_source(data, path.name, said) if book \
            else data.decode("utf-8", "replace")
    sources = {}
    for module, kinds in files.items():
        text = choose(module, kinds.get(".py"), kinds.get(".ipynb"), notes[module])
        if text is not None:
            sources[module] = text
    return sources, notes
