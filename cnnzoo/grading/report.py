"""What a grading run writes: the student's one-screen table, Gradescope's results.json.

>>> from cnnzoo.grading.engine import QuestionResult
>>> rows = [QuestionResult("pooling", "max_pool", 2.0, 2.0),
...         QuestionResult("pooling", "avg_pool", 1.0, 2.0, ["case 2 ([[1]], 1, 1): you returned [[0]]"])]
>>> print(table(rows, seed=7))
question                  points
pooling
  max_pool                   2/2  ok
  avg_pool                   1/2  ~  case 2 ([[1]], 1, 1): you returned [[0]]
  = pooling                  3/4
TOTAL                        3/4  (seed 7)
"""

from __future__ import annotations

from typing import Any

from cnnzoo.grading.engine import QuestionResult, summary

__all__ = ["table", "feedback", "gradescope", "plain", "result_mark", "fmt_points"]


def result_mark(r: QuestionResult) -> str:
    """``ok`` for full marks, ``~`` for part, ``x`` for none (the table's column)."""
    return "ok" if r.score >= r.max_score - 1e-9 else ("~" if r.score > 0 else "x")


def table(results: list[QuestionResult], seed: Any = None, verbose: bool = False,
          more: str = " with --grade-verbose", hide_hidden: bool = False) -> str:
    """One line per question (points, a mark, the first hint), a line per module, the total.

    A module whose every question failed for one reason (not answered yet, does not
    load) gets that reason once, on its own line. With ``hide_hidden``, a hidden question
    shows its name and points only.
    """
    width = max([len(r.question) for r in results] + [20]) + 2
    lines = [f"{'question':{width}s}    points"]
    modules: dict[str, list[QuestionResult]] = {}
    for r in results:
        modules.setdefault(r.module, []).append(r)
    for module, rows in modules.items():
        got, out_of = sum(r.score for r in rows), sum(r.max_score for r in rows)
        module_points = f"{fmt_points(got)}/{fmt_points(out_of)}"
        reasons = {tuple(_brief(r.hints, more)) for r in rows}
        reason = next(iter(reasons))
        if not verbose and len(reasons) == 1 and len(reason) == 1 and got == 0 and "(+" not in reason[0]:
            lines.append(f"{module:{width}s} {module_points:>9s}  x  {plain(reason[0])} "
                         f"({len(rows)} question{'s' * (len(rows) > 1)})")
            continue
        lines.append(module)
        for r in rows:
            hints = [] if hide_hidden and r.hidden else [plain(h) for h in (r.hints if verbose else _brief(r.hints, more))]
            points = f"{fmt_points(r.score)}/{fmt_points(r.max_score)}"
            lines.append(f"  {r.question:{width - 2}s} {points:>9s}  {result_mark(r):3s}{hints[0] if hints else ''}".rstrip())
            lines += [f"{'':{width + 14}s}{h}" for h in hints[1:]]
        lines.append(f"  {'= ' + module:{width - 2}s} {module_points:>9s}")
    totals = summary(results)
    seed_text = f"  (seed {seed})" if seed is not None else ""
    total = f"{fmt_points(totals['score'])}/{fmt_points(totals['max_score'])}"
    lines.append(f"{'TOTAL':{width}s} {total:>9s}{seed_text}")
    return "\n".join(lines)


def plain(text: str, limit: int = 300, keep_lines: bool = False) -> str:
    """Text from a student's code made safe to print: no control characters (no terminal
    escapes, no carriage returns), no line breaks in a hint, and not too long.

    >>> plain("ok\\x1b[8m\\r\\nTOTAL 10/10")
    'ok?[8m??TOTAL 10/10'
    """
    allowed = "\n\t" if keep_lines else ""
    text = "".join(c if c.isprintable() or c in allowed else "?" for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fmt_points(x: float) -> str:
    """Points as the table shows them: ``1.5``, ``2``, ``0.33``."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _brief(hints: list[str], more: str = " with --grade-verbose") -> list[str]:
    """One hint: the reason alone when every case failed for it, else the first case's."""
    if len(hints) <= 1:
        return hints
    reasons = {h.split("): ", 1)[-1] for h in hints}
    if len(reasons) == 1 and len(hints) > 1:
        return [reasons.pop()]
    return [hints[0] + f"  (+{len(hints) - 1} more{more})"]


def feedback(results: list[QuestionResult], seed: Any = None, problem: str = "") -> str:
    """What a student reads: each failing question once, with its first failing case and
    hint; one line for a module not answered yet; a hidden question's name and points only."""
    text = table(results, seed, more=" failing cases", hide_hidden=True)
    return (f"{plain(problem, 2000)}\n\n" if problem else "") + text + "\n"


def _test_output(r: QuestionResult) -> str:
    if r.hidden:
        return ""
    brief = _brief(r.hints, " failing cases")
    return "\n".join(brief + ([f"your code printed:\n{r.output}"] if r.output else []))


def gradescope(results: list[QuestionResult], seed: Any = None, problem: str = "") -> dict[str, Any]:
    """Gradescope's ``results.json``: totals, the seed, and one test per question.

    ``problem`` (a broken zip, no modules found) goes in the top-level output after the seed.
    """
    totals = summary(results)
    output = f"graded with seed {seed}" if seed is not None else ""
    sandboxes = sorted({r.sandbox for r in results if r.sandbox})
    if sandboxes:
        output += f"\nstudent code confined by: {'; '.join(sandboxes)}"
    return {
        "score": round(totals["score"], 4),
        "max_score": round(totals["max_score"], 4),
        "output": output + (f"\nproblem: {problem}" if problem else ""),
        "visibility": "visible",
        "tests": [{"name": f"{r.module}: {r.question}", "score": round(r.score, 4),
                   "max_score": round(r.max_score, 4), "output": plain(_test_output(r), 5000, keep_lines=True),
                   "visibility": "after_published" if r.hidden else "visible"} for r in results],
    }

