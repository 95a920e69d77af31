"""Student stubs from the reference solutions: the single source of every exercise.

Code between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` becomes a stub; everything else
(signature, docstring, helpers) is copied, so a stub cannot drift from its solution.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["stub_source", "build_stubs", "solution_blocks"]

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
