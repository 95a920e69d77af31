"""Grading students' exercises safely: their code in its own process, ours in this one.

- :mod:`~cnnzoo.grading.questions`: :class:`Question` and its parts (cases, display, calls).
- :mod:`~cnnzoo.grading.answers`: :class:`Answer`, the comparison, the hints, the :class:`Verdict`.
- :mod:`~cnnzoo.grading.runner`: the child process that holds a student's module.
- :mod:`~cnnzoo.grading.wire`: the plain data that crosses between them.
- :mod:`~cnnzoo.grading.engine`: grade a module or a submission on fresh cases.
- :mod:`~cnnzoo.grading.report`: the student's table and Gradescope's ``results.json``.
- :mod:`~cnnzoo.grading.plugin`: ``pytest exercises/``.
- :mod:`~cnnzoo.grading.course`: ``cnnzoo exercises release`` and ``grade``.
- :mod:`~cnnzoo.grading.stubs`: stubs from the solutions (``cnnzoo exercises build``).
- :func:`check` (:mod:`~cnnzoo.grading.kernel`): ``check("output_size")`` in a notebook.
"""

from typing import Any

# Served on first use: ``pytest`` loads :mod:`~cnnzoo.grading.plugin` in every run, and
# importing it must not load the grader.
_FROM = {"Question": "cnnzoo.grading.questions", "Cases": "cnnzoo.grading.questions",
         "Shown": "cnnzoo.grading.questions", "Call": "cnnzoo.grading.questions", "once": "cnnzoo.grading.questions",
         "Answer": "cnnzoo.grading.answers", "Verdict": "cnnzoo.grading.answers", "same": "cnnzoo.grading.answers",
         "build_stubs": "cnnzoo.grading.stubs", "stub_source": "cnnzoo.grading.stubs", "check": "cnnzoo.grading.kernel"}

__all__ = ["Question", "Answer", "Cases", "Shown", "Call", "Verdict", "once", "same", "build_stubs", "stub_source",
           "check"]


def __getattr__(name: str) -> Any:
    if name in _FROM:
        import importlib

        return getattr(importlib.import_module(_FROM[name]), name)
    raise AttributeError(f"module 'cnnzoo.grading' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM))
