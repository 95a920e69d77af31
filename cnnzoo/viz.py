"""Figures with matplotlib (headless-safe): every function returns the ``Figure`` and,
given ``path``, saves it there.
"""

from __future__ import annotations

import os
from typing import Any, Optional

__all__ = ["plot_history"]


def _figure(*args: Any, **kwargs: Any) -> Any:
    """A new Figure that does not need a display (no pyplot state machine)."""
    from matplotlib.figure import Figure

    return Figure(*args, **kwargs)


def _save(fig: Any, path: Optional[str]) -> Any:
    if path is not None:
        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def plot_history(history: Any, title: str = "training", path: Optional[str] = None) -> Any:
    """Loss and accuracy per epoch (train and validation) from a Keras ``History`` or dict."""
    history = getattr(history, "history", history)
    if not isinstance(history, dict) or "loss" not in history:
        raise ValueError(f"history must be a Keras History or a dict with 'loss'; got {type(history).__name__}")
    fig = _figure(figsize=(9, 3.4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for key, ax in (("loss", ax_loss), ("accuracy", ax_acc)):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = history.get(prefix + key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, marker="o", ms=3,
                        label="test" if prefix else "train")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return _save(fig, path)
