"""The metadata lives in setup.cfg. This file adds one build step: the stock course
(``exercises/`` and ``solutions/``) is copied into the wheel as ``cnnzoo/course_template/``,
so ``cnnzoo exercises init`` works from an installed package. The copy is made from those
folders at build time: they stay the one place the course is written."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

COURSE = ("exercises", "solutions")


def course_files(root):
    """(source, path inside the template) for every file of the stock course under ``root``."""
    for folder in COURSE:
        for path in sorted((Path(root) / folder).rglob("*")):
            parts = path.relative_to(root).parts
            if path.is_file() and not any(p.startswith((".", "__pycache__")) for p in parts) \
                    and path.suffix not in (".pyc", ".pyo"):
                yield path, Path(*parts)


class BuildWithCourse(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout's folders
            return
        for source, inside in course_files(Path(__file__).resolve().parent):
            target = Path(self.build_lib, "cnnzoo", "course_template", inside)
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildWithCourse})
