"""One protocol across the process boundary: ``cnnzoo/grading/protocol.py`` holds the limits,
the reply mark and the encoding; the grader imports it, the child runs its text as it is.
No constant of it is defined again elsewhere, and what the child encodes the grader decodes."""

import ast
import math
import sys
import types
from collections import OrderedDict, namedtuple
from pathlib import Path

import numpy as np
import pytest

from cnnzoo.grading import output, protocol, runner, wire

GRADING = Path(protocol.__file__).parent
CHILD_SIDE = ("sandbox.py", "protocol.py", "child.py")  # the text a student's process runs, in order


def _tree(name):
    return ast.parse((GRADING / name).read_text(encoding="utf-8"))


def _constants():
    """protocol.py's module-level constants: name -> value."""
    out = {}
    for node in _tree("protocol.py").body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.isupper():
                out[name] = ast.literal_eval(node.value)
    return out


def _assigned(tree):
    """(name, literal value or None) of every assignment in ``tree``."""
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    try:
                        value = ast.literal_eval(node.value) if node.value is not None else None
                    except ValueError:
                        value = None
                    yield name.id, value


def _literals(tree):
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)] + [
        ast.literal_eval(node) for node in ast.walk(tree) if isinstance(node, ast.Tuple)
        and all(isinstance(e, ast.Constant) for e in node.elts)]


def test_the_protocol_holds_the_boundary_constants():
    constants = _constants()
    assert {"MAX_WEIGHT_VALUES", "MAX_NESTING", "MARK", "PRELOAD"} <= set(constants)
    assert wire.MAX_WEIGHT_VALUES is protocol.MAX_WEIGHT_VALUES and output.MARK is protocol.MARK


def test_each_protocol_constant_is_assigned_in_protocol_only():
    """Its name (or ``_`` + name) is assigned in no other grading module; its value is
    written in no module the child runs, and, unless it is a number (a number can mean two
    things), in no grading module at all."""
    constants = _constants()
    copies = []
    for path in sorted(GRADING.glob("*.py")):
        if path.name == "protocol.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, _ in _assigned(tree):
            if name.lstrip("_") in constants:
                copies.append(f"{path.name} assigns {name}")
        literals = _literals(tree)
        for name, value in constants.items():
            if path.name in CHILD_SIDE or not isinstance(value, int):
                if any(type(lit) is type(value) and lit == value for lit in literals):
                    copies.append(f"{path.name} spells {name}'s value {value!r}")
    assert not copies, copies


def test_the_child_runs_the_protocols_text_as_it_is():
    texts = [(GRADING / name).read_text(encoding="utf-8") for name in CHILD_SIDE]
    assert runner._CHILD_SOURCE == "\n".join(texts)
    seen = {}
    for name, text in zip(CHILD_SIDE, texts):
        for node in ast.parse(text).body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                pytest.fail(f"{name} has a __future__ import: it does not start the child's text")
            defined = [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else [
                t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
            for d in defined:
                assert seen.setdefault(d, name) == name, f"{d} is defined in {seen[d]} and {name}"


def test_the_protocol_keeps_to_the_standard_library():
    """Its imports are the standard library's; NumPy only where an array argument is read
    (the child has imported it by then)."""
    tree = _tree("protocol.py")
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            assert name.split(".")[0] in sys.stdlib_module_names or (id(node) not in top and name == "numpy"), name


Point = namedtuple("Point", "x y")

VALUES = [None, True, False, 0, -7, 2**70, 0.1, -2.5e-300, float("inf"), "", "héllo", [], (),
          [1, [2, [3, (4.5, None)]]], {"a": 1, 2: [3.0], (1, 2): {"b": None}}, {}]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_plain_values_cross_both_ways(value):
    """The child's encoding read by the grader's strict decoding, and the grader's
    arguments read by the child, give back the value, with its types."""
    for there_and_back in (wire.decode(protocol.encode(value)), protocol.decode(wire.encode(value))):
        assert there_and_back == value
        assert repr(there_and_back) == repr(value)  # types too: a tuple stays a tuple, a bool a bool


def test_a_nan_crosses():
    assert math.isnan(wire.decode(protocol.encode(float("nan"))))


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "int64", "float16", "float32", "float64", "bool"])
def test_arrays_cross_with_dtype_and_shape(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
    for got in (wire.decode(protocol.encode(array)), protocol.decode(wire.encode(array))):
        assert got.dtype == array.dtype and got.shape == array.shape and np.array_equal(got, array)
    assert wire.decode(protocol.encode(np.zeros((0, 3)))).shape == (0, 3)


def test_numpy_scalars_and_container_subclasses_arrive_plain():
    assert repr(wire.decode(protocol.encode([np.int64(3), np.float32(0.5), np.bool_(True)]))) == "[3, 0.5, True]"
    assert wire.decode(protocol.encode(Point(1, 2))) == (1, 2)
    assert type(wire.decode(protocol.encode(OrderedDict(a=1)))) is dict
    assert wire.decode(protocol.encode(np.longdouble(1.5))) == 1.5
    assert wire.decode(protocol.encode(np.ones(2, np.longdouble))).dtype == np.float64


def test_what_is_not_plain_data_is_named_never_sent():
    assert wire.decode(protocol.encode(object())) == wire.Rejected("builtins.object")
    assert wire.decode(protocol.encode([1, {"k": 1 + 2j}])) == [1, {"k": wire.Rejected("builtins.complex")}]
    assert wire.decode(protocol.encode(np.array([object()]))) == wire.Rejected("numpy.ndarray")
    deep = []
    for _ in range(protocol.MAX_NESTING + 5):
        deep = [deep]
    with pytest.raises(wire.WireError, match="malformed"):  # the grader reads no deeper than the child sends
        wire.decode(protocol.encode(deep))
    with pytest.raises(TypeError, match="cannot send"):
        wire.encode([1, object()])


def _fake_keras(monkeypatch):
    class Weight:
        def __init__(self, path, shape):
            self.path, self.shape, self.trainable = path, shape, True

        def numpy(self):
            return np.ones(self.shape, np.float64)

    class Model:
        def __init__(self, *shapes):
            self.weights = [Weight(f"dense/w{i}", s) for i, s in enumerate(shapes)]

        def to_json(self):
            return '{"class_name": "Sequential"}'

    monkeypatch.setitem(sys.modules, "keras", types.SimpleNamespace(Model=Model))
    return Model


def test_a_keras_model_crosses_with_its_values_up_to_the_limit(monkeypatch):
    model = _fake_keras(monkeypatch)
    small = wire.decode(protocol.encode(model((3, 2), (2,))))
    assert small.weights == (("dense/w0", (3, 2), True), ("dense/w1", (2,), True)) and small.keras_total == 8
    assert [v.dtype for v in small.values] == [np.float32, np.float32] and small.values[0].shape == (3, 2)
    big = protocol.encode(model((protocol.MAX_WEIGHT_VALUES + 1,)))
    assert "values" not in big and wire.decode(big).values is None


def test_the_child_knows_only_the_paths_and_names_it_is_given():
    """What the grader holds back (course folders, module names, the MNIST files) is decided on
    the grader's side and sent in the setup message; the child's text spells none of it."""
    from cnnzoo.grading import roots

    held = {*roots.HELD_BACK_FOLDERS, *roots.HELD_BACK_MODULES, *roots.HELD_BACK_PREFIXES}
    for name in CHILD_SIDE:
        strings = [lit for lit in _literals(_tree(name)) if isinstance(lit, str)]
        spelled = [s for s in strings if s in held or "mnist" in s.lower() or "mlxtend" in s.lower()]
        assert not spelled, (name, spelled)


@pytest.mark.parametrize("split", [0, 1, 5, len(output.MARK) - 1, len(output.MARK)])
def test_printed_output_is_matched_to_its_reply_by_the_mark_wherever_reads_split_it(split):
    """The child writes MARK before each reply; the drain counts marks across any split."""
    import io

    stream = b"before\n" + output.MARK + b"after\n" + output.MARK
    chunks = [stream[:7 + split], stream[7 + split:]]

    class Reads(io.RawIOBase):
        def read1(self, n):
            return chunks.pop(0) if chunks else b""

    out = output.Output(Reads())
    assert out.take(2, wait=5) == "before\nafter\n" and out.marks >= 2
