"""A learning management system's bulk download mapped to students, by file names alone.

Three layouts, told apart entry by entry (a class folder may mix them):

- one folder or ``.zip`` per student: the student id is its name (``alice``, ``alice.zip``);
- Canvas ("Download Submissions"): one flat folder of files named
  ``<lastfirst>[_LATE]_<user id>_<submission id>_<file name>``, a re-uploaded file with
  ``-1``, ``-2``... before its extension; a student's files are regrouped as one submission
  (the id ``<lastfirst>_<user id>``; the highest ``-N`` of a file is the one read);
- Moodle ("Download all submissions"): ``<Full Name>_<participant id>_assignsubmission_<plugin>_``,
  a folder (or, downloaded without folders, a prefix of each file); the id is the name made
  plain and the participant id (``Jane Doe_12345_...`` is ``jane_doe_12345``).

Nothing is opened here: :class:`Entry` lists the paths that
:func:`cnnzoo.grading.submissions.read_submission` reads, bounded, later. A roster (the
LMS's own export, :mod:`cnnzoo.grading.gradebook`) links a student to the gradebook's row
by the user id (Canvas) or participant id (Moodle) in these names.

>>> [(e.student, e.lms, e.key, e.late) for e in entries(["doejane_LATE_12345_678_output_size-1.py",
...     "doejane_12345_678_pooling.py", "Jane Doe_77_assignsubmission_file_", "ada.zip"])]
[('ada', '', 'ada', False), ('doejane_12345', 'canvas', '12345', True), ('jane_doe_77', 'moodle', '77', False)]

A folder and a zip with one id (``alice/``, ``alice.zip``) are graded apart, each flagged:

>>> [e.student for e in entries(["alice", "alice.zip"])]
['alice~2bd806', 'alice~62dca8']
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Entry", "entries", "student_id", "LAYOUTS"]

LAYOUTS = ("canvas", "moodle")
_CANVAS = re.compile(r"^(?P<name>[a-z0-9]+)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
_COPY = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass
class Entry:
    """One student's submission: the paths to read (folders, zips or single files, each with
    the file name it stands for), where it came from (``lms``, ``key``: the LMS's user or
    participant id) and whether the LMS marked it late."""

    student: str
    paths: list[tuple[Path, str]] = field(default_factory=list)
    lms: str = ""
    key: str = ""
    late: bool = False
    note: str = ""  # what the report's problem column says about it (several with one id)

    @property
    def names(self) -> str:
        return ", ".join(sorted(p.name for p, _ in self.paths))


def student_id(name: str) -> str:
    """A folder name made a student id: letters, digits and ``. _ @ -`` only.

    >>> student_id("José Ñúñez"), student_id("a b/c"), student_id("..")
    ('jose_nunez', 'a_b_c', '_')
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9._@-]", "_", plain)
    if name != plain:
        text = text.lower()
    return "_" if text.strip(".") == "" else text


def _moodle_id(name: str, user: str) -> str:
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())
    return "_".join([*words, user])


def _original(file: str) -> tuple[str, int]:
    """A Canvas file's own name and its copy number (``output_size-2.py`` is copy 2)."""
    match = _COPY.match(file)
    return (match["stem"] + match["ext"], int(match["n"])) if match else (file, 0)


def entries(names: list[str] | list[Path], folder: str | Path = ".") -> list[Entry]:
    """The submissions in a class folder's ``names`` (its entries, not starting with ``.``),
    one :class:`Entry` per student, by student id."""
    folder = Path(folder)
    found: dict[str, Entry] = {}
    copies: dict[tuple[str, str], int] = {}
    for raw in sorted(str(n) for n in names):
        name = Path(raw).name
        path = folder / name
        canvas, moodle = _CANVAS.match(name), _MOODLE.match(name)
        if canvas and "." in canvas["file"]:
            student = f"{canvas['name']}_{canvas['user']}"
            entry = found.setdefault(student, Entry(student, lms="canvas", key=canvas["user"]))
            entry.late = entry.late or bool(canvas["late"])
            original, copy = _original(canvas["file"])
            if copies.get((student, original), -1) >= copy:
                continue  # an older upload of the same file
            entry.paths = [(p, o) for p, o in entry.paths if o != original] + [(path, original)]
            copies[(student, original)] = copy
        elif moodle:
            student = _moodle_id(moodle["name"], moodle["user"])
            entry = found.setdefault(student, Entry(student, lms="moodle", key=moodle["user"]))
            entry.paths.append((path, moodle["file"] or name))
        else:
            bare = name[:-4] if name.lower().endswith(".zip") else name
            student = student_id(bare)
            entry = found.setdefault(student, Entry(student, key=bare))
            entry.paths.append((path, name))
    out = []
    for student in sorted(found):
        entry = found[student]
        if entry.lms or len(entry.paths) == 1:
            out.append(entry)
            continue
        note = (f"several submissions share the id {student} ({entry.names}): graded apart; "
                "check which is the student's")  # alice/ and alice.zip: each graded, flagged
        for path, name in entry.paths:
            unique = f"{student}~{hashlib.sha256(path.name.encode()).hexdigest()[:6]}"
            out.append(Entry(unique, [(path, name)], key=entry.key, note=note))
    return out
