"""The summary as text: one line per layer, then totals, memory and Keras' verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnnzoo.summary.rows import Summary

__all__ = ["render", "shape_text", "size_text"]


def render(summary: Summary) -> str:
    """The table ``print(summary)`` shows."""
    live = any(r.keras_params is not None for r in summary.rows)
    head = ["Layer (type)", "Output shape", "Param #", "How"]
    if live:
        head.insert(3, "Keras")
    table = [head]
    for r in summary.rows:
        shape = shape_text(r.output_shape)
        params = "?" if r.params is None else f"{r.params:,}"
        how = "(shared)" if r.shared else (r.explain if r.counted else
                                           r.explain or "not counted: unknown layer")
        line = ["  " * r.depth + f"{r.name} ({r.kind})", shape, params, how]
        if live:
            line.insert(3, "" if r.keras_params is None else f"{r.keras_params:,}" if not r.counted
                        else "ok" if r.agrees else f"{r.keras_params:,} !")
        table.append(line)
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    lines = [f'Model "{summary.name}" ({summary.source})']
    for i, row in enumerate(table):
        cells = [c.ljust(w) if j != 2 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
        if i == 0:
            lines.append("-" * min(120, sum(widths) + 2 * len(widths) + 20))
    lines.append("-" * min(120, sum(widths) + 2 * len(widths) + 20))
    lines.append(f"Total params: {summary.total:,} ({size_text(summary.weight_bytes)})")
    lines.append(f"Trainable params: {summary.trainable:,}")
    lines.append(f"Non-trainable params: {summary.non_trainable:,}")
    lines.append(f"Multiply-accumulates per image: {summary.macs:,}")
    lines.append(f"Activations per image: {size_text(summary.activation_bytes)}")
    if summary.formula_params != summary.total:
        lines.append(f"Counted by cnnzoo's formulas: {summary.formula_share:.1%} of parameters "
                     f"({summary.formula_params:,}); the rest read from the layers' own variables")
    if summary.keras_total is not None:
        verdict = "agrees" if summary.keras_total == summary.total and not summary.mismatches else \
            "DIFFERS" if summary.mismatches or not summary.uncounted else \
            f"not compared: {len(summary.uncounted)} not counted"
        lines.append(f"Keras count_params(): {summary.keras_total:,} ({verdict})")
    for r in summary.mismatches:
        lines.append(f"MISMATCH {r.name}: cnnzoo {r.params} ({r.trainable} trainable) "
                     f"shape {shape_text(r.output_shape)}; Keras {r.keras_params} "
                     f"({r.keras_trainable} trainable) shape {shape_text(r.keras_shape)}")
    if summary.uncounted:
        lines.append("Not counted: " + ", ".join(
            f"{r.name} ({r.kind})" for r in summary.uncounted))
    return "\n".join(lines)



def shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(shape_text(s) for s in shape)
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"



def size_text(n: float) -> str:
    """Bytes in B, KB, MB, GB or TB (powers of 1000).

    >>> size_text(61706 * 4), size_text(12)
    ('246.82 KB', '12 B')
    """
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.2f} {unit}"
        n /= 1000
    return f"{n:,.2f} TB"
