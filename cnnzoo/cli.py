"""The ``cnnzoo`` command line: summaries, output sizes, the demo and the heavier jobs.

Errors in what a user typed exit with status 2 and one line that says the rule.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from cnnzoo import __version__
from cnnzoo import arithmetic as ar
from cnnzoo.extras import explain
from cnnzoo.grading.commands import add_parser as add_exercises
from cnnzoo.specs import list_models, spec_function
from cnnzoo.summary import summarize


def _shape(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a shape is integers like 32,32,1; got {text!r}") from None


def _size_arg(text: str) -> Any:
    if text in ("valid", "same"):
        return text
    try:
        values = [int(v) for v in text.replace("x", ",").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or a pair like 32,24; got {text!r}") from None
    return values[0] if len(values) == 1 else tuple(values)


def _cmd_summary(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {}
    for key in ("variant", "input_shape", "num_classes"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    if args.no_top:
        options["include_top"] = False
    model: Any = args.model
    if ":" in model and not os.path.exists(model) and not model.lstrip().startswith("{"):
        model = _import_model(model)
    summary = summarize(model, depth=args.depth, **options)
    print(json.dumps(summary.to_dict(), indent=2) if args.json else summary)
    return 0


def _import_model(target: str) -> Any:
    """``module:Name`` -> a keras.Model: a model, or a class or function that makes one."""
    import importlib

    module_name, _, attr = target.partition(":")
    if not module_name or not attr.isidentifier():
        raise ValueError(f"a model to import is written module:Name (e.g. mynet:LeNet5); got {target!r}")
    sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"cannot import {module_name!r}: {err}") from None
    finally:
        sys.path.pop(0)
    if (obj := getattr(module, attr, None)) is None:
        raise ValueError(f"module {module_name!r} has no {attr!r}")
    return obj() if isinstance(obj, type) or (callable(obj) and not hasattr(obj, "count_params")) else obj


def _cmd_size(args: argparse.Namespace) -> int:
    if args.stride is None and not args.pool:  # pooling's stride defaults to its window
        args.stride = 1
    if args.transposed:
        padding = args.padding if args.padding is not None else "valid"
        result = ar.transposed_output_size(args.n, args.filter, s=args.stride, p=padding, d=args.dilation,
                                           explain=True)
    elif args.pool:
        padding = args.padding if args.padding is not None else "valid"
        result = ar.pool_output_size(args.n, args.filter, s=args.stride, p=padding, explain=True)
    else:
        padding = args.padding if args.padding is not None else 0
        result = ar.conv_output_size(args.n, args.filter, p=padding, s=args.stride, d=args.dilation,
                                     explain=True)
    print(result.value)
    print(result.text)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from cnnzoo import demo

    return demo.run(args.out, quick=args.quick) or 0


def _cmd_train(args: argparse.Namespace) -> int:
    from cnnzoo.training import train

    options = {"variant": args.variant} if args.variant else {}
    result = train(args.model, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                   out=args.out, data=args.data, **options)
    print(f"{result.model.name}: test accuracy {result.test_accuracy:.2%} on {len(result.data[1][0]):,} held-out "
          f"{'MNIST digits' if args.data == 'mnist' else 'scikit-learn digits'} after {args.epochs} epochs "
          f"in {result.seconds:.1f} s; curves: {result.figure}")
    return 0


def _cmd_figures(args: argparse.Namespace) -> int:
    from cnnzoo.demo import figures

    paths = figures(args.out)
    print(f"{len(paths)} figures written to {os.path.abspath(args.out)}:\n" + "\n".join("  " + p for p in paths))
    return 0


def _cmd_weights(args: argparse.Namespace) -> int:
    from cnnzoo import weights

    if args.action == "import":
        if not args.file:
            raise ValueError("cnnzoo weights import needs a FILE")
        print("placed", weights.import_weights(args.file))
        return 0
    files = weights.list_weights()
    print(f"weights in {weights.weights_dir()}:" if files else f"no weight files in {weights.weights_dir()}")
    for name, size in files:
        print(f"  {name}  {size / 1e6:.1f} MB")
    return 0


def _cmd_transfer_demo(args: argparse.Namespace) -> int:
    from cnnzoo import demo

    print("\n".join(demo.transfer_lines(demo.transfer_learning(args.out, size=args.size), args.size)))
    return 0


def _taking(parameter: str) -> str:
    """The registered models whose spec function takes ``parameter``, for a flag's help."""
    names = [m for m in list_models() if parameter in inspect.signature(spec_function(m)).parameters]
    return ", ".join(names) or "no registered model"


def _add_summary(sub: Any) -> None:
    p = sub.add_parser("summary", help="per-layer shapes and parameters of a model",
                       description="Summarize a registered model (" + ", ".join(list_models()) +
                       "), a .keras file or model JSON (without TensorFlow), or a "
                       "keras.Model imported as module:Name (subclassed models are traced).")
    p.add_argument("model", help="registered name, .keras or .json file, or module:Name")
    p.add_argument("--variant", help=f"the spec's variant ({_taking('variant')}), e.g. lecture/paper")
    p.add_argument("--input-shape", type=_shape, help="without the batch axis, e.g. 64,64,3")
    p.add_argument("--num-classes", type=int)
    p.add_argument("--no-top", action="store_true", help=f"without the classifier ({_taking('include_top')})")
    p.add_argument("--depth", type=int, help="expand nested models this deep")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_summary)


def _add_size(sub: Any) -> None:
    p = sub.add_parser("size", help="output size of a convolution or pooling, explained")
    p.add_argument("n", type=_size_arg, help="input size (or h,w)")
    p.add_argument("--filter", "-f", type=_size_arg, required=True)
    p.add_argument("--padding", "-p", type=_size_arg, help="int, valid or same (default 0)")
    p.add_argument("--stride", "-s", type=_size_arg, default=None)
    p.add_argument("--dilation", "-d", type=_size_arg, default=1)
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--pool", action="store_true", help="pooling (stride defaults to the pool)")
    kind.add_argument("--transposed", action="store_true", help="Conv2DTranspose semantics")
    p.set_defaults(func=_cmd_size)


def _add_train(sub: Any) -> None:
    p = sub.add_parser("train", help="train a zoo model on MNIST (5,000 digits shipped with cnnzoo)")
    p.add_argument("model", nargs="?", default="lenet5")
    p.add_argument("--data", choices=["mnist", "digits"], default="mnist",
                   help="mnist (default, 4,000 to train, 1,000 to test) or scikit-learn's 8x8 digits")
    p.add_argument("--variant")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="out", help="folder for the learning curves (default: out)")
    p.set_defaults(func=_cmd_train)


def _add_files(sub: Any) -> None:
    """The commands that write or place files: figures, weights, the transfer demo."""
    p = sub.add_parser("figures", help="write the lecture's figures (trains LeNet-5 for some)")
    p.add_argument("--out", default="figures", help="folder (default: figures)")
    p.set_defaults(func=_cmd_figures)

    p = sub.add_parser("weights", help="list or import pretrained weight files (offline machines)")
    p.add_argument("action", choices=["list", "import"])
    p.add_argument("file", nargs="?", help="with import: the file to place in the Keras cache")
    p.set_defaults(func=_cmd_weights)

    p = sub.add_parser("transfer-demo", help="MobileNetV2 features, cache, head, accuracy, t-SNE")
    p.add_argument("--out", default="out")
    p.add_argument("--size", type=int, default=96)
    p.set_defaults(func=_cmd_transfer_demo)


def _add_demo(sub: Any) -> None:
    p = sub.add_parser("demo", help="the main job: summaries, worked examples, training, figures")
    p.add_argument("--out", default="out", help="folder for figures (default: out)")
    p.add_argument("--quick", action="store_true", help="skip training and figures")
    p.set_defaults(func=_cmd_demo)


def build_parser() -> argparse.ArgumentParser:
    """The ``cnnzoo`` parser: one sub-command per job, in the order ``--help`` lists them."""
    parser = argparse.ArgumentParser(
        prog="cnnzoo", description="Convolutional networks: summaries, sizes, exercises, training.")
    parser.add_argument("--version", action="version", version=f"cnnzoo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_summary, _add_size, _add_train, _add_files, add_exercises, _add_demo):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads, if it does
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    # RuntimeError: the grader refused or stopped; ModuleNotFoundError: an extra (Keras) to install
    except (ValueError, TypeError, RuntimeError, ModuleNotFoundError) as err:
        print(f"cnnzoo {args.command}: error: {explain(err, f'cnnzoo {args.command}') or err}", file=sys.stderr)
        return 2 if isinstance(err, (ValueError, TypeError)) else 1


if __name__ == "__main__":
    sys.exit(main())
