"""Hints for a Keras model a student built: which layer differs, and the likely slip.

The model arrives as its JSON config (:class:`~cnnzoo.grading.wire.KerasModel`) and is
counted by :func:`cnnzoo.summarize` without being built, so no student code runs here.
A hint names the layer and the kind of mistake, never the expected count or formula.

>>> import cnnzoo, json
>>> spec = cnnzoo.get_spec("lenet5")
>>> spec.layers[3]["config"]["use_bias"] = False          # conv2 without biases
>>> print(model_hint(json.dumps({"class_name": "Sequential", "config": spec.to_config()}), "lenet5"))
conv2 has 16 fewer parameters than it should: one bias per filter?
"""

from __future__ import annotations

from typing import Any

__all__ = ["model_hint"]


def _weighted(summary: Any) -> dict[str, Any]:
    return {row.name: row for row in summary.rows if row.params}


MAX_CONFIG = 256 << 10  # bytes of a student's model config: LeNet-5's takes about 5 KiB
MAX_LAYERS = 1_000


def model_hint(config_json: str, reference: str, **spec_options: Any) -> str | None:
    """``None`` when the model's layers match ``reference`` (a zoo name) layer by layer.

    A config over :data:`MAX_CONFIG` bytes or :data:`MAX_LAYERS` layers is refused before
    it is read: the grader's own work on a student's answer stays small.
    """
    import cnnzoo

    if len(config_json) > MAX_CONFIG or config_json.count('"class_name"') > MAX_LAYERS:
        return f"the model is far larger than {reference} (over {MAX_LAYERS:,} layers or {MAX_CONFIG >> 10} KiB)"

    try:
        got = cnnzoo.summarize(config_json)
    except (ValueError, TypeError) as err:
        return f"the model could not be read: {err}"
    expected = cnnzoo.summarize(reference, **spec_options)
    have, want = _weighted(got), _weighted(expected)
    for name, row in want.items():
        if name not in have:
            return (f"no weighted layer named {name}: name the weighted layers "
                    f"{', '.join(want)} (in that order)")
        mine = have[name]
        if mine.params == row.params:
            continue
        diff = mine.params - row.params
        units = row.output_shape[-1]
        if diff == -units:
            return f"{name} has {units} fewer parameters than it should: one bias per {_unit(row)}?"
        if tuple(mine.output_shape) != tuple(row.output_shape):
            return (f"{name} outputs {tuple(mine.output_shape)}, which is not the shape it should have: "
                    "check its filter count, filter size, padding and stride, and the layers before it")
        if diff > 0:
            return f"{name} has {diff:,} parameters too many: check the size of its input"
        return f"{name} has {-diff:,} parameters too few: check the size of its input"
    extra = [name for name in have if name not in want]
    if extra:
        return f"layers with weights that LeNet-5 does not have: {', '.join(extra)}"
    if tuple(got.rows[-1].output_shape) != tuple(expected.rows[-1].output_shape):
        return f"the model must end in one score per class; its output is {tuple(got.rows[-1].output_shape)}"
    return None


def _unit(row: Any) -> str:
    return "filter" if "conv" in row.kind.lower() else "unit"
