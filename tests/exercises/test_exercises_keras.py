"""The Keras exercises (train_lenet, transfer_head, visualise) and what they rest on: MNIST
shipped with cnnzoo, models crossing as config and weights, the grader's rebuild from data alone,
dialogues that count backbone passes, and the attacks that must score 0 without any
student code running in the grader."""

import json
import os
import uuid
from pathlib import Path

import numpy as np
import pytest

from cnnzoo.grading import Answer, Call, Question, Shown, engine
from cnnzoo.grading.dialogue import Student, ask
from cnnzoo.grading.runner import Reply
from cnnzoo.grading.wire import KerasModel, WireError, decode

ROOT = Path(__file__).resolve().parents[2]
KERAS = ["train_lenet", "transfer_head", "visualise"]
SUITES = {m: engine.load_suite(ROOT / "exercises" / f"test_{m}.py") for m in KERAS}


def solution(module):
    return (ROOT / "solutions" / f"{module}.py").read_text()


def grade(module, source, questions=None, timeout=5.0):
    suite = SUITES[module]
    chosen = None if questions is None else [q for q in suite.questions if q.name in questions]
    results = engine.grade_module(suite, source, seed="fixed", timeout=timeout, questions=chosen)
    return {r.question: r for r in results}


def score(results):
    return sum(r.score for r in results.values()), sum(r.max_score for r in results.values())


# ---------------------------------------------------------------------------------- data

def test_mnist_like_keras_datasets():
    from cnnzoo.data import mnist

    (x, y), (xt, yt) = mnist()
    assert x.shape == (4000, 28, 28) and xt.shape == (1000, 28, 28) and x.dtype == y.dtype == np.uint8
    assert x.max() == 255 and x.min() == 0 and set(np.unique(y)) == set(range(10))
    assert np.all(np.bincount(yt) == 100)  # stratified: 500 of each digit, a fifth kept back
    (x2, _), _ = mnist()
    np.testing.assert_array_equal(x, x2)  # a fixed split, and fresh copies
    x2[:] = 0
    assert mnist()[0][0].any()
    (p, _), (pt, _) = mnist(pad=True)
    assert p.shape == (4000, 32, 32) and not p[:, :2].any() and not p[:, :, -2:].any()
    np.testing.assert_array_equal(p[:, 2:-2, 2:-2], x)
    assert len(mnist(test_size=500)[1][0]) == 500 and not np.array_equal(mnist(seed=1)[1][1], yt)
    for bad in (0, 1.0, 5000, True):
        with pytest.raises(ValueError, match="test_size"):
            mnist(test_size=bad)


def test_training_data_is_mnist_scaled_for_a_model():
    from cnnzoo.training import load

    (x, y), (xt, yt) = load("mnist")
    assert x.shape == (4000, 32, 32, 1) and x.dtype == np.float32 and 0 <= x.min() and x.max() == 1.0
    assert load("digits")[0][0].shape == (1347, 32, 32, 1)
    with pytest.raises(ValueError, match="data must be one of mnist, digits"):
        load("cifar")


def test_the_kept_back_digits_are_unreadable_for_students():
    from cnnzoo.data import mnist_path
    from cnnzoo.grading.runner import StudentProcess

    probe = "def read(p):\n    return len(open(p, 'rb').read())\n"
    with StudentProcess("probe", probe, timeout=5) as child:
        denied = child.call("read", mnist_path())
    assert denied.status == "error" and "PermissionError" in denied.message


# ------------------------------------------------------------------ wire and rebuild

def _lenet(keras, lam=None):
    L = keras.layers
    return keras.Sequential([keras.Input((32, 32, 1))] + ([lam] if lam is not None else []) + [
        L.Conv2D(6, 5, activation="relu", name="conv1"), L.MaxPooling2D(2), L.Conv2D(16, 5, activation="relu", name="conv2"),
        L.MaxPooling2D(2), L.Flatten(), L.Dense(120, activation="relu", name="fc1"),
        L.Dense(84, activation="relu", name="fc2"), L.Dense(10, activation="softmax", name="fc3")])


def _crossed(model, values=None):
    rows = tuple((w.path, tuple(w.shape), True) for w in model.weights)
    return KerasModel(model.to_json(), rows, tuple(np.asarray(w.numpy()) for w in model.weights) if values is None else values)


def test_rebuilt_model_computes_what_the_students_did(keras):
    from cnnzoo.grading.rebuild import rebuild

    student = _lenet(keras)
    net = rebuild(_crossed(student), (32, 32, 1))
    x = np.random.default_rng(0).random((4, 32, 32, 1), dtype=np.float32)
    np.testing.assert_allclose(net.predict(x, verbose=0), student.predict(x, verbose=0), rtol=1e-5, atol=1e-7)
    functional = keras.Model(student.inputs, student.outputs)
    assert rebuild(_crossed(functional), (32, 32, 1)).count_params() == 61_706


@pytest.mark.parametrize("attack, words", [
    ("lambda", "keras.layers.Lambda, a layer the grader does not rebuild"),
    ("loads files", "keras.layers.TFSMLayer"),
    ("registered name", "registered class (cnnzoo>Preprocess)"),
    ("other initializer", "keras.src.utils.io_utils.print_msg"),
    ("huge layer", "conv1 outputs 11,999,904 values per image"),
    ("other input", "must take inputs of shape (32, 32, 1)"),
    ("transposed weights", "weights do not fit"),
    ("NaN weights", "NaN or infinity"),
])
def test_rebuild_refuses_before_keras_reads_what_it_should_not(keras, attack, words):
    from cnnzoo.grading.rebuild import Refused, rebuild

    model = _crossed(_lenet(keras))
    config = json.loads(model.config)
    layers = config["config"]["layers"]
    values = model.values
    if attack == "lambda":
        model = _crossed(_lenet(keras, keras.layers.Lambda(lambda t: t)))
    elif attack == "loads files":
        layers[1]["class_name"] = "TFSMLayer"
    elif attack == "registered name":
        layers[1]["registered_name"] = "cnnzoo>Preprocess"
    elif attack == "other initializer":
        layers[1]["config"]["kernel_initializer"] = {"module": "keras.src.utils.io_utils", "class_name": "print_msg",
                                                     "config": {}, "registered_name": None}
    elif attack == "huge layer":
        layers[1]["config"]["filters"] = 12_000_000 // (28 * 28)
    elif attack == "other input":
        layers[0]["config"]["batch_shape"] = [None, 64, 64, 1]
    elif attack == "transposed weights":
        values = tuple(v.T for v in values)
    elif attack == "NaN weights":
        values = (values[0] * np.nan,) + values[1:]
    if attack in ("transposed weights", "NaN weights"):
        model = KerasModel(model.config, model.weights, values)
    elif attack != "lambda":
        model = KerasModel(json.dumps(config), model.weights, values)
    with pytest.raises(Refused) as refused:
        rebuild(model, (32, 32, 1))
    assert words in str(refused.value)


def test_a_forged_build_shape_is_dropped_not_allocated(keras):
    from cnnzoo.grading.rebuild import rebuild

    model = _crossed(_lenet(keras))
    config = json.loads(model.config)
    for layer in config["config"]["layers"]:  # 10**10 x 120 weights, were it believed
        layer["build_config"] = {"input_shape": [None, 10**10]}
    config["config"]["build_input_shape"] = [None, 10**5, 10**5, 1]
    net = rebuild(KerasModel(json.dumps(config), model.weights, model.values), (32, 32, 1))
    assert net.count_params() == 61_706


def test_weight_values_cross_only_when_they_match_their_shapes():
    from cnnzoo.grading.wire import encode

    arrays = [np.zeros((2, 3), np.float32), np.zeros(3, np.float32)]
    message = {"t": "keras_model", "config": "{}", "weights": [["d/kernel", [2, 3], True], ["d/bias", [3], True]],
               "values": [encode(a) for a in arrays]}
    assert [v.shape for v in decode(message).values] == [(2, 3), (3,)]
    for forged in ([encode(arrays[0].T), encode(arrays[1])], [encode(arrays[0])],
                   [encode(arrays[0].astype(np.int32)), encode(arrays[1])], [encode(arrays[0]), 3]):
        with pytest.raises(WireError):
            decode({**message, "values": forged})
    assert decode({k: v for k, v in message.items() if k != "values"}).values is None


# ------------------------------------------------------------------------- dialogues

class _Child:
    """A stand-in for StudentProcess: replies from a function, counts calls and limits."""

    def __init__(self, answer, folder=None):
        self.answer, self.folder, self.calls = answer, folder, []

    def call(self, function, *args, timeout=None):
        self.calls.append((function, timeout))
        return self.answer(function, *args)

    def work_view(self):
        return self.folder


def test_one_call_per_distinct_case_and_the_questions_own_time():
    child = _Child(lambda f, *a: Reply("value", sum(a), output="printed"))
    first = Question("f", 1, Answer(sum), call=Call(timeout=90))
    second = Question("f", 2, Answer(sum), shown=Shown(label="again"))
    asked = {}
    replies = [ask(child, first, (1, 2), 5.0, asked), ask(child, second, (1, 2), 5.0, asked),
               ask(child, second, (2, 2), 5.0, asked)]
    assert [r.value for r in replies] == [3, 3, 4] and [r.output for r in replies] == ["printed", "", "printed"]
    assert child.calls == [("f", 90), ("f", 5.0)]  # the shared case once; a question's own time when longer


def test_a_dialogue_ends_on_the_first_call_without_an_answer():
    def talk(student, args):
        student.call("step", 1)
        return student.call("step", 2)

    replies = {1: Reply("value", 1), 2: Reply("error", message="your code raised NotImplementedError: x")}
    child = _Child(lambda f, n: replies[n])
    q = Question("step", 1, Answer(grade=lambda got, args: None), call=Call(dialogue=talk, timeout=30))
    assert ask(child, q, (), 5.0, {}).message.startswith("your code raised NotImplementedError")
    failing = Question("step", 1, call=Call(dialogue=lambda s, a: 1 / 0))
    ended = ask(_Child(lambda f, n: Reply("value", n)), failing, (), 5.0, {})
    assert ended.status == "error" and "ZeroDivisionError" in ended.message


def test_file_head_reads_only_regular_files_in_the_students_folder(tmp_path):
    (tmp_path / "fig.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 100)
    (tmp_path / "link.png").symlink_to("/etc/hostname")
    os.mkfifo(tmp_path / "fifo.png")
    student = Student(_Child(None, str(tmp_path)), 10)
    assert student.file_head("fig.png", 8) == b"\x89PNG\r\n\x1a\n"
    for name in ("link.png", "fifo.png", "../fig.png", "missing.png", "", ".."):
        assert student.file_head(name) is None, name


# ----------------------------------------------------------- grading, end to end

def test_stubs_score_zero():
    for module in KERAS:
        got, total = score(grade(module, (ROOT / "exercises" / f"{module}.py").read_text()))
        assert got == 0 and total > 0, module


@pytest.mark.slow
@pytest.mark.parametrize("module", KERAS)
def test_solutions_get_full_marks(module):
    results = grade(module, solution(module))
    assert score(results)[0] == score(results)[1], {q: r.hints for q, r in results.items()}


@pytest.mark.keras
def test_an_undertrained_lenet_keeps_its_architecture_points_only():
    source = solution("train_lenet").replace("net.fit(x, y_train, epochs=epochs, batch_size=batch, verbose=0)",
                                             "net.fit(x[:64], y_train[:64], epochs=1, verbose=0)")
    results = grade("train_lenet", source)
    assert results["train_lenet5 (LeNet-5's layers)"].score == 2
    accuracy = results["train_lenet5 (kept-back accuracy)"]
    assert accuracy.score == 0 and "kept-back digits right; 95% needed" in accuracy.hints[0]


@pytest.mark.keras
def test_a_head_that_recomputes_features_every_epoch_loses_the_passes_points():
    source = '''
import keras
HEAD, ROUNDS = [], [0]

def head_step(n_images, indices, features, labels):
    if features is not None:
        if not HEAD:
            HEAD.append(keras.Sequential([keras.Input((400,)), keras.layers.Dense(10, activation="softmax")]))
            HEAD[0].compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        HEAD[0].fit(features, labels, epochs=1, verbose=0)
    ROUNDS[0] += 1
    return list(range(n_images)) if ROUNDS[0] <= 15 else HEAD[0]
'''
    results = grade("transfer_head", source, questions=["head_step (backbone passes)", "head_step (kept-back accuracy)"])
    assert results["head_step (kept-back accuracy)"].score == 3
    passes = results["head_step (backbone passes)"]
    assert passes.score == 0 and "the backbone ran 30,000 times for 2,000 training images" in passes.hints[0]


LAMBDA_ATTACK = '''
import os
CHILD, MARK = os.getpid(), {mark!r}

def train_lenet5(x_train, y_train):
    import keras
    L = keras.layers
    ran = lambda t, child=CHILD, mark=MARK: t if __import__("os").getpid() == child else (open(mark, "w").close(), t)[1]
    return keras.Sequential([keras.Input((32, 32, 1)), L.Lambda(ran), L.Conv2D(6, 5, activation="relu", name="conv1"),
        L.MaxPooling2D(2), L.Conv2D(16, 5, activation="relu", name="conv2"), L.MaxPooling2D(2), L.Flatten(),
        L.Dense(120, activation="relu", name="fc1"), L.Dense(84, activation="relu", name="fc2"),
        L.Dense(10, activation="softmax", name="fc3")])
'''

FORGED_WEIGHTS = '''
import base64, json, os, sys, time
import numpy as np

def train_lenet5(x_train, y_train):
    import keras
    L = keras.layers
    m = keras.Sequential([keras.Input((32, 32, 1)), L.Conv2D(6, 5, activation="relu", name="conv1"), L.MaxPooling2D(2),
        L.Conv2D(16, 5, activation="relu", name="conv2"), L.MaxPooling2D(2), L.Flatten(),
        L.Dense(120, activation="relu", name="fc1"), L.Dense(84, activation="relu", name="fc2"),
        L.Dense(10, activation="softmax", name="fc3")])
    arrays = [np.ascontiguousarray(np.asarray(w.numpy()).T) for w in m.weights]  # shapes of the student's choosing
    rows = [[w.path, list(a.shape), True] for w, a in zip(m.weights, arrays)]
    values = [{{"t": "array", "dtype": a.dtype.str, "shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode()}}
              for a in arrays]
    line = json.dumps({{"op": "value", "value": {{"t": "keras_model", "config": m.to_json(), "weights": rows, "values": values}}}})
    os.write(int(sys.argv[2]), (line + "\\n").encode())
    time.sleep(60)
'''


@pytest.mark.keras
@pytest.mark.parametrize("attack", ["lambda layer", "weights of other shapes"])
def test_model_attacks_score_zero_and_run_nothing_in_the_grader(attack):
    mark = Path("/tmp") / f"cnnzoo-grader-ran-student-code-{uuid.uuid4().hex}"
    source = (LAMBDA_ATTACK if attack == "lambda layer" else FORGED_WEIGHTS).format(mark=str(mark))
    results = grade("train_lenet", source)
    hints = " ".join(h for r in results.values() for h in r.hints)
    assert score(results)[0] == 0, hints
    assert ("Lambda, a layer the grader does not rebuild" if attack == "lambda layer" else "weights do not fit") in hints
    assert not mark.exists()


@pytest.mark.slow
def test_a_model_trained_beforehand_on_all_of_mnist_does_not_pass(keras):
    """MNIST is public: a student can train on all 5,000 digits at home and ship the weights.
    Each grading turns the digits and renames the classes, so those weights score like chance."""
    import base64

    from cnnzoo.data import mnist

    (x_train, y_train), (x_test, y_test) = mnist(pad=True)
    x = (np.concatenate([x_train, x_test])[..., None] / 255.0).astype("float32")
    y = np.concatenate([y_train, y_test])
    keras.utils.set_random_seed(0)
    net = _lenet(keras)
    net.compile("adam", "sparse_categorical_crossentropy")
    net.fit(x, y, epochs=10, batch_size=32, verbose=0)
    seen = float(np.mean(np.argmax(net.predict(x[4000:], verbose=0), -1) == y[4000:]))
    assert seen > 0.97  # the kept-back digits, unturned: it would pass without the turn
    blob = base64.b64encode(np.concatenate([w.ravel() for w in net.get_weights()]).astype("float32")
                            .tobytes()).decode()
    source = solution("train_lenet").split("    # BEGIN SOLUTION")[0] + f'''
    import base64, keras, numpy as np
    flat = np.frombuffer(base64.b64decode("{blob}"), "float32")
    net = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Conv2D(6, 5, activation="relu", name="conv1"),
        keras.layers.MaxPooling2D(2), keras.layers.Conv2D(16, 5, activation="relu", name="conv2"),
        keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(120, activation="relu", name="fc1"),
        keras.layers.Dense(84, activation="relu", name="fc2"), keras.layers.Dense(10, activation="softmax", name="fc3")])
    weights, at = [], 0
    for w in net.get_weights():
        weights.append(flat[at:at + w.size].reshape(w.shape))
        at += w.size
    net.set_weights(weights)
    return net
'''
    results = grade("train_lenet", source, timeout=60.0)
    assert results["train_lenet5 (LeNet-5's layers)"].score == 2
    kept = results["train_lenet5 (kept-back accuracy)"]
    assert kept.score == 0 and "kept-back digits right" in kept.hints[0], kept.hints


def test_models_too_costly_or_nested_are_refused_before_anything_is_built(keras):
    from cnnzoo.grading.rebuild import refusal

    L = keras.layers
    huge_kernel = keras.Sequential([keras.Input((32, 32, 1)), L.Conv2D(1, 200, padding="same"),
                                    L.GlobalMaxPooling2D(), L.Dense(10)])  # aborted TensorFlow's oneDNN
    assert "operations per image" in refusal(huge_kernel.to_json(), (32, 32, 1))
    long_pool = keras.Sequential([keras.Input((32, 32, 1)), L.ZeroPadding2D(240), L.MaxPooling2D(256, strides=1),
                                  L.GlobalMaxPooling2D(), L.Dense(10)])  # 0 weights, hours of comparisons
    assert "operations per image" in refusal(long_pool.to_json(), (32, 32, 1))
    inner = keras.Sequential([keras.Input((1024,)), L.Dense(2)])
    nested = keras.Sequential([keras.Input((32, 32, 1)), L.Flatten(), inner, L.Dense(10)])
    assert "a model inside it" in refusal(nested.to_json(), (32, 32, 1))
    assert refusal(_lenet(keras).to_json(), (32, 32, 1)) is None


def test_a_model_that_kills_or_outlasts_the_measuring_process_costs_one_case(keras):
    import signal

    from cnnzoo.grading import measure
    from cnnzoo.grading.rebuild import Refused

    net = _lenet(keras)
    model, x = _crossed(net), np.random.default_rng(0).random((8, 32, 32, 1), "float32")
    y = np.argmax(net.predict(x, verbose=0), axis=1)
    assert measure.measure(model, (32, 32, 1), x, y) == 1.0  # the worker computes what Keras does here
    with pytest.raises(Refused, match="took over"):
        measure.measure(model, (32, 32, 1), x, y, timeout=0.001)
    worker = measure._Worker()
    measure._LOCAL.worker = worker
    os.kill(worker.process.pid, signal.SIGABRT)  # as TensorFlow aborts on some shapes
    with pytest.raises(Refused, match="signal 6"):
        measure.measure(model, (32, 32, 1), x, y)
    assert measure.measure(model, (32, 32, 1), x, y) is not None  # a fresh worker answers again
