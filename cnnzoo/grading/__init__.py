"""Grading students' exercises safely: their code in its own process, ours in this one.

- :mod:`~cnnzoo.grading.questions`: :class:`Question`, the comparison, the hints.
- :mod:`~cnnzoo.grading.runner`: the child process that holds a student's module.
- :mod:`~cnnzoo.grading.wire`: the plain data that crosses between them.
- :mod:`~cnnzoo.grading.engine`: grade a module or a submission on fresh cases.
- :mod:`~cnnzoo.grading.report`: the student's table and Gradescope's ``results.json``.
- :mod:`~cnnzoo.grading.plugin`: ``pytest exercises/``.
- :mod:`~cnnzoo.grading.course`: ``cnnzoo exercises release`` and ``grade``.
- :mod:`~cnnzoo.grading.stubs`: stubs from the solutions (``cnnzoo exercises build``).
"""

from cnnzoo.grading.questions import Credit, Question, same
from cnnzoo.grading.stubs import build_stubs, stub_source

__all__ = ["Credit", "Question", "same", "build_stubs", "stub_source"]
