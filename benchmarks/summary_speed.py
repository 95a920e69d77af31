"""Time cnnzoo's summaries against Keras, side by side in one run; print the ratios.

1. A fresh process that summarizes VGG-16 analytically vs. one that builds
   ``keras.applications.VGG16(weights=None)`` and calls ``count_params()`` (imports included:
   that is what a student or a CI job pays).
2. In one process: ``summarize(model)`` (the independent check) vs. ``model.summary()``
   on VGG-16 and ResNet50.
3. ``summarize("x.keras")`` in a fresh process without TensorFlow vs. ``keras.models.load_model``.

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


if __name__ == "__main__":
    main()
