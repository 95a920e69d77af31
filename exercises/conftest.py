"""Grading setup: the cnnzoo grader plugin and the ``student`` fixture.

Run ``pytest exercises/`` to grade your answers, ``--against solutions`` for the reference.
"""

import os

import pytest

from cnnzoo import grading

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The plugin is normally loaded through its entry point; load it here when it is not.
pytest_plugins = [] if grading.registered() else ["cnnzoo.grading"]


@pytest.fixture
def student(request):
    """The graded module named by the test module's ``MODULE`` (from exercises/ or --against)."""
    return grading.student_module(request.module.MODULE)
