"""What the core install leaves out, and the one line that says how to add it.

``pip install cnnzoo`` is the core: the arithmetic, the specs, the analytic summaries and
the grader of the NumPy exercises (NumPy, pytest, tqdm). Keras and TensorFlow, and the
figures' and data's libraries (matplotlib, scikit-learn, SciPy), come with
``pip install "cnnzoo[keras]"``. A path that needs one of them and finds it missing raises
:class:`MissingExtra` (a ``ModuleNotFoundError``) whose message is that one line.

>>> message(["keras"], "cnnzoo.lenet5")
'cnnzoo.lenet5 needs Keras: pip install "cnnzoo[keras]"'
>>> message(["matplotlib", "sklearn"], "figures")
'figures needs matplotlib and scikit-learn: pip install "cnnzoo[keras]"'
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

__all__ = ["EXTRAS", "MissingExtra", "missing", "message", "require", "explain"]

# top-level import name -> (what a person calls it, the extra that installs it)
EXTRAS = {
    "keras": ("Keras", "keras"),
    "tensorflow": ("TensorFlow", "keras"),
    "matplotlib": ("matplotlib", "keras"),
    "sklearn": ("scikit-learn", "keras"),
    "scipy": ("SciPy", "keras"),
    "jax": ("JAX", "backends"),
    "torch": ("PyTorch", "backends"),
}


class MissingExtra(ModuleNotFoundError):
    """Libraries of an extra are not installed (``libraries``); the message says what to install."""

    def __init__(self, text: str, libraries: Iterable[str]) -> None:
        self.libraries = list(libraries)
        super().__init__(text, name=self.libraries[0] if self.libraries else None)


def _known(library: str) -> str:
    if not isinstance(library, str) or library.split(".")[0] not in EXTRAS:
        raise ValueError(f"library must be one of {', '.join(EXTRAS)}; got {library!r}")
    return library.split(".")[0]


def missing(libraries: Iterable[str]) -> list[str]:
    """The ``libraries`` that cannot be imported here, found without importing them."""
    out = []
    for library in libraries:
        try:
            found = importlib.util.find_spec(library) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(library)
    return out


def message(libraries: Iterable[str], what: str) -> str:
    """``what needs A and B: pip install "cnnzoo[extra]"`` (one line)."""
    names = list(dict.fromkeys(_known(lib) for lib in libraries))
    if not names:
        raise ValueError("message needs at least one missing library")
    labels = [EXTRAS[n][0] for n in names]
    extras = ",".join(dict.fromkeys(EXTRAS[n][1] for n in names))
    said = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f'{what} needs {said}: pip install "cnnzoo[{extras}]"'


def require(libraries: Iterable[str], what: str) -> None:
    """Raise :class:`MissingExtra` when any of ``libraries`` is not installed."""
    absent = missing(libraries)
    if absent:
        raise MissingExtra(message(absent, what), absent)


def explain(err: BaseException, what: str) -> MissingExtra | None:
    """A :class:`MissingExtra` saying that ``what`` needs the extra's libraries that ``err``
    (a ``ModuleNotFoundError``) found missing; ``None`` for any other error."""
    if isinstance(err, MissingExtra):
        return MissingExtra(message(err.libraries, what), err.libraries)
    name = (getattr(err, "name", None) or "").split(".")[0]
    if not isinstance(err, ModuleNotFoundError) or name not in EXTRAS:
        return None
    return MissingExtra(message([name], what), [name])
