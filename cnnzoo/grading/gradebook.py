"""A graded class's tables: ``grades.csv``, the files Canvas and Moodle import, shards and their merge.

- ``grades.csv``: student, score, max_score, a column per module, ``lms_id`` (the LMS's user
  or participant id from the submission's names), ``late`` (as the LMS marked it), ``problem``.
- ``grades-canvas.csv``: Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID,
  Section`` and the assignment's column (``Name (id)`` when the roster, Canvas's gradebook
  export, has it; a new name makes Canvas create the assignment), then a ``Points Possible``
  row. Students are matched by the Canvas user id in the download's file names (or a
  folder named by their ``ID``, ``SIS User ID`` or ``SIS Login ID``).
- ``grades-moodle.csv``: Moodle's gradebook import ("CSV file"): the roster's identifiers
  (``Email address``, ``Username``, ``ID number``: choose one as the import's identifier)
  and the assignment's column. The roster is Moodle's grading worksheet (its ``Identifier``
  is ``Participant <id>``, the id in the download's folder names) or a participants list.

A roster student with nothing graded gets an empty cell (the LMS leaves the grade as it
is): enter a zero or excuse them there. Shards (``--shard K/N``) take the students whose
id hashes to ``K`` of ``N``; :func:`merge` joins the shards' tables into exactly the table
one run over the whole class writes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from cnnzoo.files import SHARED, write_atomic

__all__ = ["Row", "row_from_report", "parse_shard", "in_shard", "grades_csv", "read_grades", "read_roster", "lms_csv", "write_lms", "merge"]

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_IDS = ("Email address", "Username", "ID number")


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"``: slice ``K`` (counted from 0, like Kubernetes' completion index) of ``N``."""
    try:
        k, n = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise ValueError(f"a shard is K/N, two whole numbers with 0 <= K < N (e.g. 0/4); got {text!r}") from None
    if not 0 <= k < n:
        raise ValueError(f"a shard is K/N with 0 <= K < N (e.g. 0/4 .. 3/4); got {text!r}")
    return k, n


def in_shard(student: str, shard: tuple[int, int] | None) -> bool:
    """Whether ``student`` belongs to ``shard``: by a hash of the id, the same on every machine."""
    if shard is None:
        return True
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shard[1] == shard[0]


def cell(text: object) -> str:
    """A CSV cell a spreadsheet shows as text: no formula (``= + - @``), no control characters."""
    text = "".join(c if c.isprintable() else " " for c in str(text))
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@dataclass
class Row:
    """One student's line in ``grades.csv``."""

    student: str
    score: float
    max_score: float
    modules: dict[str, float]
    problem: str = ""
    lms_id: str = ""
    late: bool = False

    def cells(self, modules: list[str]) -> list[str]:
        return [cell(self.student), f"{round(self.score, 4)}", f"{round(self.max_score, 4)}",
                *[f"{round(self.modules.get(m, 0.0), 4)}" for m in modules], cell(self.lms_id),
                "late" if self.late else "", cell(self.problem)]


def row_from_report(student: str, path: Path, modules: list[str], lms_id: str = "", late: bool = False) -> Row | None:
    """The row of a student graded before, from their ``results.json`` (``None`` if unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        per = dict.fromkeys(modules, 0.0)
        for test in data["tests"]:
            per[test["name"].split(":")[0]] = per.get(test["name"].split(":")[0], 0.0) + float(test["score"])
        problem = next((line[len("problem: "):] for line in str(data.get("output", "")).splitlines()
                        if line.startswith("problem: ")), "")
        return Row(student, float(data["score"]), float(data["max_score"]), per, problem, lms_id, late)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _uncell(text: str) -> str:
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _write(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def grades_csv(header: list[str], rows: dict[str, list[str]]) -> str:
    """``grades.csv``'s text: the header, then a row per student in id order."""
    return _write([header, *(rows[s] for s in sorted(rows))])


def read_grades(path: str | Path) -> tuple[list[str], dict[str, list[str]]]:
    """A ``grades.csv``: its header and its rows by student id."""
    with open(path, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    if not table or table[0][:3] != ["student", "score", "max_score"]:
        raise ValueError(f"{path} is not a cnnzoo grades.csv (its header starts student, score, max_score); "
                         f"got {table[0][:3] if table else 'an empty file'}")
    return table[0], {_uncell(r[0]): r for r in table[1:] if r}


def read_roster(path: str | Path) -> list[dict[str, str]]:
    """The LMS's roster: Canvas's gradebook export or Moodle's grading worksheet or participants list."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    header = set(rows[0]) if rows else set()
    if not header & {"ID", "Identifier", *MOODLE_IDS}:
        raise ValueError(f"a roster is Canvas's gradebook export (an ID column) or Moodle's grading worksheet or "
                         f"participants (Identifier, Email address, Username or ID number); {path} has {sorted(header)}")
    return [r for r in rows if (r.get("Student") or "").strip() != "Points Possible"]


def _keys(row: dict[str, str]) -> set[str]:
    keys = {(row.get(c) or "").strip() for c in ("ID", "SIS User ID", "SIS Login ID", *MOODLE_IDS)}
    identifier = (row.get("Identifier") or "").strip()
    keys.add(identifier.rsplit(" ", 1)[-1] if identifier.startswith("Participant ") else identifier)
    return keys - {""}


def lms_csv(lms: str, header: list[str], rows: dict[str, list[str]], roster: list[dict[str, str]] | None,
            assignment: str) -> tuple[str, list[str]]:
    """The gradebook file ``lms`` imports, and the graded students it could not place."""
    score, max_score, lms_id = header.index("score"), header.index("max_score"), header.index("lms_id")
    by_key = {(_uncell(r[lms_id]) or s): r for s, r in rows.items()}
    out_of = max((float(r[max_score]) for r in rows.values()), default=0.0)
    placed: set[str] = set()

    def grade(entry: dict[str, str]) -> str:
        for key in _keys(entry):
            if key in by_key:
                placed.add(key)
                return by_key[key][score]
        return ""

    if lms == "canvas":
        column = next((c for c in (roster[0] if roster else {}) if c.startswith(f"{assignment} (")), assignment)
        table: list[list[object]] = [[*CANVAS_COLUMNS, column], ["    Points Possible", "", "", "", "", f"{out_of:g}"]]
        people = roster if roster is not None else [
            {"Student": s.rsplit("_", 1)[0], "ID": _uncell(r[lms_id])} for s, r in sorted(rows.items()) if r[lms_id]]
        table += [[cell(p.get(c, "")) for c in CANVAS_COLUMNS] + [grade(p)] for p in people]
    elif lms == "moodle":
        if roster is None:
            raise ValueError("--lms moodle needs --roster: Moodle's grading worksheet or participants list, "
                             "for the email, username or ID number Moodle's import identifies students by")
        ids = [c for c in ("Full name", *MOODLE_IDS) if c in roster[0]] if roster else list(MOODLE_IDS)
        table = [[*ids, assignment]] + [[cell(p.get(c, "")) for c in ids] + [grade(p)] for p in roster]
    else:
        raise ValueError(f"--lms is one of canvas, moodle; got {lms!r}")
    return _write(table), sorted(s for s, r in rows.items() if (_uncell(r[lms_id]) or s) not in placed)


def write_lms(out: str | Path, name: str, header: list[str], table: dict[str, list[str]],
              roster: list[dict[str, str]] | None, assignment: str) -> tuple[Path, list[str]]:
    """``out/grades-<name>.csv``, the file that LMS imports (:func:`lms_csv`), and who is not in it."""
    text, unplaced = lms_csv(name, header, table, roster, assignment)
    path = Path(out) / f"grades-{name}.csv"
    write_atomic(path, text, SHARED)
    return path, unplaced


def merge(shards: list[str | Path], out: str | Path) -> tuple[list[str], dict[str, list[str]]]:
    """Join graded shards (each an output folder of ``grade --shard``) into ``out``: every
    student's folder copied, ``grades.csv`` written; raises ``ValueError`` when the shards
    disagree (another course: another header) or grade one student differently."""
    out = Path(out)
    header: list[str] | None = None
    rows: dict[str, list[str]] = {}
    for shard in map(Path, shards):
        if not (shard / "grades.csv").is_file():
            raise ValueError(f"a shard is the output folder of `grade --shard K/N`, holding grades.csv; got {shard}")
        head, part = read_grades(shard / "grades.csv")
        if header is not None and head != header:
            raise ValueError(f"{shard}/grades.csv has the columns {head}, another shard {header}: another course?")
        header = head
        for student, row in part.items():
            if rows.setdefault(student, row) != row:
                raise ValueError(f"{student} is graded differently in two shards (one is {shard}); grade it once")
            source = shard / "students" / student
            if source.is_dir() and source.resolve() != (out / "students" / student).resolve():
                shutil.copytree(source, out / "students" / student, dirs_exist_ok=True)
        for extra in ("course.json",):
            if (shard / extra).is_file() and not (out / extra).exists():
                write_atomic(out / extra, (shard / extra).read_text(encoding="utf-8"), SHARED)
    if header is None:
        raise ValueError("merge needs at least one shard folder")
    write_atomic(out / "grades.csv", grades_csv(header, rows), SHARED)
    return header, rows
