"""An architecture as blocks, and learning curves."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from cnnzoo.viz.base import figure, save

__all__ = ["architecture", "plot_history"]


def plot_history(history: Any, title: str = "training", path: Optional[str] = None) -> Any:
    """Loss and accuracy per epoch (train and validation) from a Keras ``History`` or dict."""
    history = getattr(history, "history", history)
    if not isinstance(history, dict) or "loss" not in history:
        raise ValueError(f"history must be a Keras History or a dict with 'loss'; got {type(history).__name__}")
    fig = figure(figsize=(9, 3.4))
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
    return save(fig, path)


def architecture(summary: Any, path: Optional[str] = None) -> Any:
    """A block diagram of a :class:`~cnnzoo.Summary`: one block per layer, its height the
    spatial size, its width the channels (log scale), labelled with shape and parameters."""
    from matplotlib.patches import FancyBboxPatch

    rows = [r for r in summary.rows if not r.container and isinstance(r.output_shape, tuple)]
    if not rows:
        raise ValueError("the summary has no layers with a known output shape")
    fig = figure(figsize=(max(8, 1.25 * len(rows)), 4.2))
    ax = fig.subplots()
    biggest = max([r.output_shape[0] or 1 for r in rows if len(r.output_shape) > 1] or [1])
    x = 0.0
    colors = {"Conv2D": "tab:blue", "Dense": "tab:orange", "MaxPooling2D": "tab:green",
              "AveragePooling2D": "tab:green", "Flatten": "tab:gray", "InputLayer": "tab:purple"}
    for r in rows:
        shape = r.output_shape
        height = 0.4 + 2.6 * ((shape[0] or 1) / biggest if len(shape) > 1 else 0.15)
        width = 0.25 + 0.12 * np.log2(max(shape[-1] or 1, 1))
        ax.add_patch(FancyBboxPatch((x, -height / 2), width, height, boxstyle="round,pad=0.02",
                                    fc=colors.get(r.kind, "tab:olive"), alpha=0.7))
        label = f"{r.name}\n{'x'.join(map(str, shape))}" + (f"\n{r.params:,} p" if r.params else "")
        ax.text(x + width / 2, -height / 2 - 0.15, label, ha="center", va="top", fontsize=7)
        x += width + 0.45
    ax.set_xlim(-0.3, x)
    ax.set_ylim(-3.2, 1.8)
    ax.axis("off")
    ax.set_title(f"{summary.name}: {summary.total:,} parameters")
    return save(fig, path)
