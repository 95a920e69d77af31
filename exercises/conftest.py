"""Loads the cnnzoo grader when its pytest entry point is not installed.

Run ``pytest exercises/`` to grade your answers; ``--grade-against solutions`` for the reference.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _entry_point_installed():
    from importlib.metadata import entry_points

    return any(ep.value == "cnnzoo.grading.plugin" for ep in entry_points(group="pytest11"))


pytest_plugins = [] if _entry_point_installed() else ["cnnzoo.grading.plugin"]
