"""Time cnnzoo's summaries against Keras, side by side in one run; print the ratios.

1. A fresh process that summarizes VGG-16 analytically vs. one that builds
   ``keras.applications.VGG16(weights=None)`` and calls ``count_params()`` (imports included:
   that is what a student or a CI job pays).
2. In one process: ``summarize(model)`` (the independent check) vs. ``model.summary()``
   on VGG-16 and ResNet50.
3. ``summarize("x.keras")`` in a fresh process without TensorFlow vs. ``keras.models.load_model``.
4. A subclassed ResNet-style model (ten residual blocks, a Layer subclass each): the traced
   per-layer table vs. ``model.summary()``, which cannot give its shapes; how many rows of
   each table show an output shape.

Usage: python benchmarks/summary_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _timing import median_time  # noqa: E402

_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _process(code: str, repeat: int) -> float:
    def run() -> None:
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=_ENV)

    return median_time(run, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    r = args.repeat
    rows = []

    ours = _process("import cnnzoo; cnnzoo.summarize('vgg16')", r)
    keras_t = _process("import keras; keras.applications.VGG16(weights=None).count_params()", r)
    rows.append(("VGG-16 parameters, fresh process", ours, keras_t, "summarize('vgg16')",
                 "VGG16(weights=None).count_params()"))

    import keras

    import cnnzoo

    for name in ("VGG16", "ResNet50"):
        model = getattr(keras.applications, name)(weights=None)
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink):
            t_keras = median_time(lambda m=model: m.summary(), r)
        t_ours = median_time(lambda m=model: cnnzoo.summarize(m), r)
        rows.append((f"{name}: per-layer table of a live model", t_ours, t_keras,
                     "summarize(model) (checked)", "model.summary()"))

    model = _subclassed_resnet(keras)
    model(keras.ops.zeros((1, 64, 64, 3)))
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        t_keras = median_time(lambda: model.summary(), r)
    t_ours = median_time(lambda: cnnzoo.summarize(model), r)
    once = io.StringIO()
    with contextlib.redirect_stdout(once):
        model.summary()
    theirs, table = once.getvalue(), cnnzoo.summarize(model)
    shown = [line for line in theirs.splitlines() if line.count("│") == 4 and line.split("│")[2].strip()]
    rows.append(("subclassed ResNet-style: per-layer table", t_ours, t_keras,
                 "summarize(model) (traced)", "model.summary()"))
    notes = [f"subclassed ResNet-style model: cnnzoo {len(table.rows)} rows (one per layer call), "
             f"{sum(r.output_shape is not None for r in table.rows)} with shapes, {len(table.mismatches)} "
             f"mismatches, total {table.total:,} vs Keras {model.count_params():,}; model.summary() "
             f"{len(shown)} rows, {theirs.count('?')} shapes shown as '?'"]

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "resnet50.keras")
        keras.applications.ResNet50(weights=None).save(path)
        ours = _process(f"import cnnzoo; cnnzoo.summarize({path!r})", r)
        theirs = _process(f"import keras; keras.models.load_model({path!r}).count_params()", r)
        rows.append(("ResNet50 .keras file, fresh process", ours, theirs,
                     "summarize('x.keras') (no TF)", "load_model('x.keras')"))

    print(f"{'measurement':40s} {'cnnzoo':>10s} {'keras':>10s} {'speed-up':>9s}")
    for title, a, b, what_a, what_b in rows:
        print(f"{title:40s} {a:9.3f}s {b:9.3f}s {b / a:8.1f}x   ({what_a} vs {what_b})")
    print("\n".join(notes))


def _subclassed_resnet(keras):
    L = keras.layers

    class Residual(L.Layer):
        def __init__(self, filters, stride, **kw):
            super().__init__(**kw)
            self.c1 = L.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)
            self.b1, self.b2 = L.BatchNormalization(), L.BatchNormalization()
            self.c2 = L.Conv2D(filters, 3, padding="same", use_bias=False)
            self.skip = L.Conv2D(filters, 1, strides=stride) if stride > 1 else None

        def call(self, x, training=None):
            y = keras.ops.relu(self.b1(self.c1(x), training=training))
            y = self.b2(self.c2(y), training=training)
            return keras.ops.relu(y + (self.skip(x) if self.skip is not None else x))

    class ResNet(keras.Model):
        def __init__(self, classes=10):
            super().__init__()
            self.stem = L.Conv2D(32, 3, padding="same")
            self.blocks = [Residual(32 * 2 ** (i // 3), 2 if i in (3, 6, 9) else 1) for i in range(10)]
            self.pool, self.head = L.GlobalAveragePooling2D(), L.Dense(classes)

        def call(self, x, training=None):
            x = self.stem(x)
            for block in self.blocks:
                x = block(x, training=training)
            return self.head(self.pool(x))

    return ResNet()


if __name__ == "__main__":
    main()
