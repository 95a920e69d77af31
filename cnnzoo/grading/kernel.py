"""``check("output_size")`` inside a notebook: the same grading as ``pytest``, shown inline.

It grades the notebook's code, never live kernel objects: the cells are read as the grader
reads a submitted notebook (:mod:`cnnzoo.grading.notebooks`) and run in the same sandboxed
child process, on the same questions (``test_<module>.py``, found beside the notebook or in
the current folder), cases and hints. The code comes from the notebook's file when the
kernel can find it (Jupyter's ``JPY_SESSION_NAME``/``__session__``, VS Code's
``__vsc_ipynb_file__``, Colab's open notebook), and from the kernel's own history otherwise
(cells as run, in order; cells that do not parse and top-level expressions, such as a call
that failed before its function was written, are left out), or when the saved file is older
than what was run (the score then says so: save before you submit). The table is HTML in
Jupyter and Colab, text elsewhere.
"""

from __future__ import annotations

import ast
import html
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnnzoo.grading import engine, notebooks, report

__all__ = ["check", "Checked", "notebook_code"]


@dataclass
class Checked:
    """A check's results: ``score``, ``max_score``, ``results``; shows itself as the table."""

    results: list[engine.QuestionResult]
    seed: str
    notes: list[str] = field(default_factory=list)
    _shown_at: Any = None

    @property
    def score(self) -> float:
        return engine.summary(self.results)["score"]

    @property
    def max_score(self) -> float:
        return engine.summary(self.results)["max_score"]

    def __repr__(self) -> str:
        return "\n".join([*(report.plain(n) for n in self.notes), report.table(self.results, self.seed)])

    def _repr_html_(self) -> str:
        rows = []
        for r in self.results:
            hint = html.escape(report.plain(r.hints[0] if r.hints else ""))
            rows.append(f"<tr><td>{html.escape(r.module)}</td><td>{html.escape(r.question)}</td>"
                        f"<td>{report.fmt_points(r.score)}/{report.fmt_points(r.max_score)}</td>"
                        f"<td>{report.result_mark(r)}</td><td style='text-align:left'>{hint}</td></tr>")
        said = "".join(f"<p>{html.escape(report.plain(n))}</p>" for n in self.notes)
        return (f"{said}<table class='cnnzoo-score'><tr><th>module</th><th>question</th><th>points</th>"
                f"<th></th><th>hint</th></tr>{''.join(rows)}<tr><th colspan='2'>TOTAL</th>"
                f"<th>{report.fmt_points(self.score)}/{report.fmt_points(self.max_score)}</th><th></th>"
                f"<th style='text-align:left'>seed {html.escape(self.seed)}</th></tr></table>")

    def _ipython_display_(self) -> None:  # the check showed it already, in the same cell
        shell = _shell()
        if shell is not None and self._shown_at == shell.execution_count:
            self._shown_at = None
            return
        from IPython.display import display

        display({"text/plain": repr(self), "text/html": self._repr_html_()}, raw=True)


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _notebook_path(shell: Any) -> Path | None:
    """The notebook file of this kernel, when the front end says where it is."""
    ns = getattr(shell, "user_ns", {}) if shell is not None else {}
    for value in (ns.get("__vsc_ipynb_file__"), ns.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(value, str) and value.endswith(".ipynb"):
            for path in (Path(value), Path.cwd() / value, Path.cwd() / Path(value).name):
                if path.is_file():
                    return path.resolve()
    return None


def _colab_cells() -> list[str] | None:
    try:
        from google.colab import _message  # type: ignore[import-not-found]

        book = _message.blocking_request("get_ipynb", request="", timeout_sec=10)["ipynb"]
        return notebooks.code_cells(json.dumps(book), "the Colab notebook")
    except Exception:  # noqa: BLE001  (not Colab, or it did not answer: the history then)
        return None


def _history(shell: Any) -> list[str]:
    """The cells run in this kernel, in order, each kept only where it parses, without its
    top-level expressions (they define nothing)."""
    raw = list(getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or [])[1:]
    kept = []
    for number, cell in enumerate(raw, 1):
        text = notebooks.strip_cell(cell, number, [])
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        lines = text.splitlines()
        for node in tree.body:
            if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
                for row in range(node.lineno - 1, node.end_lineno or node.lineno):
                    lines[row] = ""
        kept.append("\n".join(lines))
    return kept


def _definitions(source: str, names: set[str]) -> dict[str, str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    return {n.name: ast.unparse(n) for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names}


def notebook_code(module: str, notebook: str | os.PathLike[str] | None = None,
                  functions: set[str] = frozenset()) -> tuple[str, list[str], Path | None]:
    """The module text a check grades, the notes about it, and the notebook file it came from."""
    shell, notes = _shell(), []
    path = Path(notebook) if notebook is not None else _notebook_path(shell)
    name = path.name if path is not None else f"{module}.ipynb"
    cells = notebooks.code_cells(path.read_bytes(), path.name) if path is not None else _colab_cells()
    ran = _history(shell) if notebook is None and shell is not None else []
    if cells is not None:
        source = notebooks.cells_source(cells, name, notes)
        mine, run = _definitions(source, set(functions)), _definitions("\n".join(ran), set(functions))
        stale = sorted(f for f in run if mine.get(f) != run[f])
        if not stale:
            return source, notes, path
        notes.clear()
        notes.append(f"the saved {name} differs from what you ran ({', '.join(stale)}): checked the cells "
                     "as you ran them; run and save the notebook before you submit it")
    elif shell is None:
        raise ValueError("check() runs inside a notebook (Jupyter, Colab); elsewhere pass notebook=PATH, "
                         "or run pytest on your modules")
    return notebooks.cells_source(ran, f"{module} (the cells you ran)", notes), notes, path


def _suite(module: str | None, questions: Any, where: list[Path]) -> engine.Suite:
    if questions is not None:
        target = Path(questions)
        return engine.load_suite(target if target.is_file() else target / f"test_{module}.py")
    if not isinstance(module, str) or not module.isidentifier():
        raise ValueError(f"name the exercise to check, e.g. check(\"output_size\"); got {module!r}")
    for folder in where:
        if (folder / f"test_{module}.py").is_file():
            return engine.load_suite(folder / f"test_{module}.py")
    raise ValueError(f"no questions for {module}: test_{module}.py is not in "
                     f"{' or '.join(str(w) for w in dict.fromkeys(where))} (keep the notebook in the "
                     "student folder, or open it from there)")


def check(module: str | None = None, question: str | None = None, *, notebook: str | os.PathLike[str] | None = None,
          questions: str | os.PathLike[str] | None = None, seed: int | str | None = None,
          timeout: float = 5.0) -> Checked:
    """Grade this notebook's ``module`` (default: the notebook's own name), or one ``question``
    of it, and show the score table; return it as a :class:`Checked`."""
    shell = _shell()
    found = Path(notebook) if notebook is not None else _notebook_path(shell)
    module = module if module is not None else (found.stem if found is not None else None)
    suite = _suite(module, questions, [*([found.parent] if found else []), Path.cwd()])
    chosen = list(suite.questions)
    if question is not None:
        chosen = [q for q in chosen if q.name == question]
        if not chosen:
            raise ValueError(f"{suite.module} has no question {question!r}; its questions: "
                             f"{', '.join(q.name for q in suite.questions)}")
    source, notes, path = notebook_code(suite.module, notebook, {q.function for q in chosen})
    folder = (path or found).parent if (path or found) is not None else Path.cwd()
    siblings = notebooks.folder_modules(folder)[0] if folder.is_dir() else {}
    siblings[suite.module] = source
    run_seed = str(seed) if seed is not None else str(random.SystemRandom().randrange(10**9))
    results = engine.grade_module(suite, source, seed=run_seed, timeout=timeout, questions=chosen,
                                  siblings=siblings, blocked=(str(Path(suite.path).resolve().parent),))
    checked = Checked(results, run_seed, notes)
    if shell is not None:
        from IPython.display import display

        display({"text/plain": repr(checked), "text/html": checked._repr_html_()}, raw=True)
        checked._shown_at = shell.execution_count
    else:
        print(repr(checked))
    return checked
