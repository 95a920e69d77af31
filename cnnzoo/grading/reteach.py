"""What to reteach: one page from a graded class (``cnnzoo exercises report GRADES``).

A class run keeps, beside each student's report, every hint their cases earned
(``students/<id>/cases.json``) and, once per run, the course's questions with their
points, the lecture slide each belongs to (a test module's ``SLIDES``) and the slips the
hints name (``course.json``). From those alone :func:`write_report` makes
``report.html`` (the figures inline), the same figures as PNG in ``report/``, and
``report.txt``, the same page as plain text: the score distribution, each question's mean
and share of full marks, and each named slip with how many students made it, the
question, the slide, and the points it cost the class (a question's lost points shared
among the slips of its failing cases), sorted by that cost.
"""

from __future__ import annotations

import base64
import csv
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnzoo.files import SHARED, atomic_path, write_atomic
from cnnzoo.grading import report

__all__ = ["describe", "cases", "Summary", "summarize_class", "text", "write_report"]


def describe(suites: list[Any]) -> dict[str, Any]:
    """``course.json``: each question's module, points, slide and the slips its hints name."""
    out = []
    for suite in suites:
        slides = dict(getattr(suite, "slides", ()))
        for q in suite.questions:
            slips = [str(message) for _, message in q.answer.slips]
            slips += [f"that is the answer {what};" for _, _, what in q.answer.follows]
            out.append({"module": suite.module, "question": q.name, "points": q.points, "hidden": q.shown.hidden,
                        "slide": slides.get(q.name) or slides.get(q.function) or slides.get("") or "",
                        "slips": slips})
    return {"questions": out}


def cases(results: list[Any]) -> list[dict[str, Any]]:
    """``cases.json``: every question's score and every hint (for the instructor, not the student)."""
    return [{"module": r.module, "question": r.question, "score": r.score, "max_score": r.max_score,
             "hints": [report.plain(h, 500) for h in r.hints]} for r in results]


@dataclass
class Summary:
    students: int
    max_score: float
    scores: list[float]  # every graded student's total
    questions: list[dict[str, Any]]  # module, question, slide, mean, max, full (share), untouched (share)
    slips: list[dict[str, Any]]  # slip, module, question, slide, students, cost (points)


def _made(hint: str, slip: str) -> bool:
    return hint.endswith(": " + slip) or (slip.endswith(";") and f": {slip}" in hint)


def summarize_class(folder: str | Path) -> Summary:
    """The class's numbers from a graded folder (or a merge of shards)."""
    folder = Path(folder)
    try:
        course = json.loads((folder / "course.json").read_text(encoding="utf-8"))["questions"]
        with open(folder / "grades.csv", newline="", encoding="utf-8") as fh:
            grades = list(csv.DictReader(fh))
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{folder} is not a graded class folder (grades.csv and course.json from "
                         f"`cnnzoo exercises grade`): {err}") from None
    by_name = {(q["module"], q["question"]): q for q in course}
    stats = {k: {"sum": 0.0, "full": 0, "untouched": 0, "n": 0} for k in by_name}
    slips: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in grades:
        path = folder / "students" / row["student"].lstrip("'") / "cases.json"
        try:
            answers = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for a in answers:
            key = (a["module"], a["question"])
            if key not in stats:
                continue
            s = stats[key]
            s["n"] += 1
            s["sum"] += a["score"]
            s["full"] += a["score"] >= a["max_score"] - 1e-9
            s["untouched"] += a["hints"] == ["not answered yet"]
            failing = [h for h in a["hints"] if h.startswith("case ") and "counted as right" not in h]
            lost = a["max_score"] - a["score"]
            for slip in by_name[key]["slips"]:
                made = sum(_made(h, slip) for h in failing)
                if made:
                    entry = slips.setdefault((*key, slip), {"students": 0, "cost": 0.0})
                    entry["students"] += 1
                    entry["cost"] += lost * made / len(failing)
    questions = [{"module": m, "question": q, "slide": by_name[(m, q)]["slide"], "max": by_name[(m, q)]["points"],
                  "mean": s["sum"] / s["n"] if s["n"] else 0.0, "full": s["full"] / s["n"] if s["n"] else 0.0,
                  "untouched": s["untouched"] / s["n"] if s["n"] else 0.0} for (m, q), s in stats.items()]
    found = [{"slip": k[2].rstrip(";"), "module": k[0], "question": k[1], "slide": by_name[k[:2]]["slide"],
              "students": v["students"], "cost": round(v["cost"], 4)} for k, v in slips.items()]
    found.sort(key=lambda s: (-s["cost"], -s["students"], s["module"], s["question"], s["slip"]))
    scores = [float(r["score"]) for r in grades]
    top = max([float(r["max_score"]) for r in grades] + [0.0])
    return Summary(len(grades), top, scores, questions, found)


def text(summary: Summary) -> str:
    """The page as plain text, for a terminal."""
    lines = [f"{summary.students} students, out of {summary.max_score:g} points"]
    if summary.scores:
        ordered = sorted(summary.scores)
        lines.append(f"scores: mean {sum(ordered) / len(ordered):.1f}, median {ordered[len(ordered) // 2]:g}, "
                     f"lowest {ordered[0]:g}, highest {ordered[-1]:g}")
    lines += ["", "What to reteach: the slips the hints named, by the points they cost the class"]
    lines.append(f"  {'points':>7s}  {'students':>8s}  slip  (question; slide)")
    for s in summary.slips:
        lines.append(f"  {s['cost']:7.1f}  {s['students']:8d}  {s['slip']}  ({s['module']}: {s['question']}; "
                     f"{s['slide'] or 'no slide named'})")
    if not summary.slips:
        lines.append("  none: no hint named a slip")
    lines += ["", "Questions: mean, share with full marks, share not answered"]
    for q in summary.questions:
        lines.append(f"  {q['module'] + ': ' + q['question']:48s} {q['mean']:5.2f}/{q['max']:<5g} "
                     f"{q['full']:6.0%} full  {q['untouched']:5.0%} not answered")
    return "\n".join(lines) + "\n"


def _save(fig: Any, path: Path) -> Path:
    """A figure written as PNG through a temporary file and a rename (never half a file)."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    try:
        with atomic_path(path, mode=SHARED, fsync=False) as tmp:
            fig.savefig(tmp, dpi=96, format="png")
    finally:
        plt.close(fig)
    return path


def _figures(summary: Summary, folder: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(summary.scores, bins=20, range=(0, summary.max_score or 1), color="#4477aa")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set(xlabel="score (points)", ylabel="students", title="Score distribution")
    paths["scores"] = _save(fig, folder / "scores.png")
    qs = summary.questions
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.22 * len(qs) + 1)))
    ax.barh([f"{q['module']}: {q['question']}" for q in qs][::-1],
            [q["mean"] / q["max"] if q["max"] else 0 for q in qs][::-1], color="#228833")
    ax.set(xlim=(0, 1), xlabel="mean share of the points", title="Each question")
    ax.tick_params(axis="y", labelsize=6)
    paths["questions"] = _save(fig, folder / "questions.png")
    top = summary.slips[:15]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.3 * len(top) + 1)))
    ax.barh([s["slip"][:60] for s in top][::-1], [s["cost"] for s in top][::-1], color="#cc6677")
    ax.set(xlabel="points the class lost", title="Slips, by the points they cost")
    ax.tick_params(axis="y", labelsize=7)
    paths["slips"] = _save(fig, folder / "slips.png")
    return paths


def _html(summary: Summary, figures: dict[str, Path]) -> str:
    e = html.escape
    image = {k: "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode() for k, p in figures.items()}
    rows = "".join(f"<tr><td>{s['cost']:.1f}</td><td>{s['students']}</td><td>{e(s['slip'])}</td>"
                   f"<td>{e(s['module'])}: {e(s['question'])}</td><td>{e(s['slide'])}</td></tr>" for s in summary.slips)
    qrows = "".join(f"<tr><td>{e(q['module'])}: {e(q['question'])}</td><td>{q['mean']:.2f} / {q['max']:g}</td>"
                    f"<td>{q['full']:.0%}</td><td>{q['untouched']:.0%}</td><td>{e(q['slide'])}</td></tr>"
                    for q in summary.questions)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>What to reteach</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}img{{max-width:100%}}</style></head><body>
<h1>What to reteach</h1>
<pre>{e(text(summary).split(chr(10) + chr(10))[0])}</pre>
<img id="scores" alt="Score distribution" src="{image['scores']}">
<h2>Slips, by the points they cost</h2>
<img id="slips" alt="Slips by cost" src="{image['slips']}">
<table><tr><th>points lost</th><th>students</th><th>slip</th><th>question</th><th>slide</th></tr>{rows}</table>
<h2>Each question</h2>
<img id="questions" alt="Mean share per question" src="{image['questions']}">
<table><tr><th>question</th><th>mean</th><th>full marks</th><th>not answered</th><th>slide</th></tr>{qrows}</table>
</body></html>
"""


def write_report(folder: str | Path) -> tuple[Path, str]:
    """``report.html``, ``report.txt`` and ``report/*.png`` in a graded class folder; the page
    and its text."""
    folder = Path(folder)
    summary = summarize_class(folder)
    figures = _figures(summary, folder / "report")
    page = folder / "report.html"
    write_atomic(page, _html(summary, figures), SHARED)
    plain = text(summary)
    write_atomic(folder / "report.txt", plain, SHARED)
    return page, plain
