"""Analytic summaries from the specs: every number in the reference, without TensorFlow."""

import json
import subprocess
import sys

import pytest

import cnnzoo
from cnnzoo import specs
from cnnzoo.cli import main

REFERENCE_TOTALS = [
    ("lenet5", {}, 61_706, 61_706),
    ("lenet5", {"variant": "paper"}, 60_840, 60_000),
    ("alexnet", {}, 62_378_344, 62_378_344),
    ("alexnet", {"variant": "paper"}, 60_965_224, 60_965_224),
    ("vgg11", {}, 132_863_336, 132_863_336),
    ("vgg13", {}, 133_047_848, 133_047_848),
    ("vgg16", {}, 138_357_544, 138_357_544),
    ("vgg19", {}, 143_667_240, 143_667_240),
    ("vgg16", {"include_top": False}, 14_714_688, 14_714_688),
    ("vgg19", {"include_top": False}, 20_024_384, 20_024_384),
    ("vgg11", {"include_top": False}, 9_220_480, 9_220_480),
    ("vgg13", {"include_top": False}, 9_404_992, 9_404_992),
]


@pytest.mark.parametrize("name, options, total, trainable", REFERENCE_TOTALS)
def test_reference_totals(name, options, total, trainable):
    s = cnnzoo.summarize(name, **options)
    assert (s.total, s.trainable, s.non_trainable) == (total, trainable, total - trainable)


LAYER_COUNTS = {
    ("lenet5", ""): {"conv1": 156, "pool1": 0, "conv2": 2416, "pool2": 0, "fc1": 48120,
                     "fc2": 10164, "fc3": 850},
    ("alexnet", "single"): {"conv1": 34944, "conv2": 614656, "conv3": 885120, "conv4": 1327488,
                            "conv5": 884992, "fc6": 37752832, "fc7": 16781312, "fc8": 4097000},
    ("alexnet", "paper"): {"conv2": 307456, "conv4": 663936, "conv5": 442624},
    ("lenet5", "paper"): {"C1": 156, "S2": 12, "C3": 1516, "S4": 32, "C5": 48120, "F6": 10164,
                          "output": 840},
}


@pytest.mark.parametrize("key", LAYER_COUNTS)
def test_reference_layer_counts(key):
    name, variant = key
    s = cnnzoo.summarize(name, **({"variant": variant} if variant else {}))
    assert {n: s[n].params for n in LAYER_COUNTS[key]} == LAYER_COUNTS[key]


def test_lenet5_shapes_and_flatten_of_400():
    s = cnnzoo.summarize("lenet5")
    assert [r.output_shape for r in s.rows] == [
        (32, 32, 1), (28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (400,), (120,), (84,), (10,)]


def test_alexnet_feature_sizes():
    s = cnnzoo.summarize("alexnet")
    assert s["conv1"].output_shape == (55, 55, 96)
    assert s["pool1"].output_shape == (27, 27, 96)
    assert s["pool5"].output_shape == (6, 6, 256)


def test_macs_and_memory_of_lenet5_by_hand():
    s = cnnzoo.summarize("lenet5")
    conv1 = 28 * 28 * 6 * 25
    conv2 = 10 * 10 * 16 * 25 * 6
    assert s["conv1"].macs == conv1 and s["conv2"].macs == conv2
    assert s.macs == conv1 + conv2 + 400 * 120 + 120 * 84 + 84 * 10
    assert s.weight_bytes == 61_706 * 4
    elements = 32 * 32 + 28 * 28 * 6 + 14 * 14 * 6 + 10 * 10 * 16 + 5 * 5 * 16 + 400 + 120 + 84 + 10
    assert s.activation_bytes == elements * 4


def test_other_input_sizes_and_classes():
    s = cnnzoo.summarize("vgg16", input_shape=(64, 64, 3), num_classes=10)
    assert s["block5_pool"].output_shape == (2, 2, 512)
    assert s["fc1"].params == 2 * 2 * 512 * 4096 + 4096
    assert s["predictions"].params == 4096 * 10 + 10


def test_input_too_small_names_the_layer():
    with pytest.raises(ValueError, match="layer 'conv2'"):
        cnnzoo.summarize("lenet5", input_shape=(12, 12, 1))
    with pytest.raises(ValueError, match="block5_pool"):
        cnnzoo.summarize("vgg16", input_shape=(16, 16, 3))


@pytest.mark.parametrize("kwargs, message", [
    ({"variant": "modern"}, "variant must be one of ('lecture', 'paper'); got 'modern'"),
    ({"num_classes": 0}, "num_classes must be a positive integer; got 0"),
    ({"input_shape": (32, 32)}, "input_shape must be (height, width, channels); got (32, 32)"),
    ({"input_shape": (32, 0, 1)}, "positive integers"),
])
def test_bad_spec_arguments(kwargs, message):
    with pytest.raises(ValueError) as info:
        cnnzoo.summarize("lenet5", **kwargs)
    assert message in str(info.value)


def test_registry_lists_models_and_rejects_duplicates():
    models = cnnzoo.list_models()
    assert models == sorted(models) and all(specs.canonical_name(m) == m for m in models)
    assert {name for name, *_ in REFERENCE_TOTALS} <= set(models)
    with pytest.raises(ValueError, match="already registered"):
        specs.register_model("vgg16")(lambda: None)
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        cnnzoo.get_spec("resnet")
    assert cnnzoo.get_spec("VGG-16").name == "vgg16"


def test_vgg_table_rows_differ_only_by_depth():
    convs = {d: sum(1 for v in specs.VGG_CFGS[d] if v != "M") for d in specs.VGG_CFGS}
    assert convs == {11: 8, 13: 10, 16: 13, 19: 16}
    assert all(specs.VGG_CFGS[d].count("M") == 5 for d in specs.VGG_CFGS)


def test_c3_connection_table_matches_the_paper():
    # 6 maps of 3 inputs, 9 of 4, one of all 6; every input map feeds 10 C3 maps
    sizes = sorted(len(t) for t in specs.C3_TABLE)
    assert sizes == [3] * 6 + [4] * 9 + [6]
    assert [sum(i in t for t in specs.C3_TABLE) for i in range(6)] == [10] * 6


def test_summary_table_and_exports():
    s = cnnzoo.summarize("lenet5")
    text = str(s)
    assert "conv2 (Conv2D)" in text and "(5*5*6 + 1)*16 = 2,416" in text
    assert "Total params: 61,706" in text
    d = s.to_dict()
    assert d["total"] == 61_706 and len(d["rows"]) == len(s) == 9
    json.dumps(d)  # plain data
    assert s.to_rows()[1]["name"] == "conv1"
    with pytest.raises(KeyError, match="no layer named 'conv9'"):
        s["conv9"]


def test_summarize_rejects_what_it_cannot_read(tmp_path):
    with pytest.raises(ValueError, match="neither a registered model"):
        cnnzoo.summarize("resnet9000")
    with pytest.raises(TypeError, match="got int"):
        cnnzoo.summarize(42)
    with pytest.raises(ValueError, match="depth must be"):
        cnnzoo.summarize("lenet5", depth=-1)
    bad = tmp_path / "x.json"
    bad.write_text("not json")
    with pytest.raises(ValueError, match="x.json' is not JSON"):
        cnnzoo.summarize(str(bad))


def _modules_after(code):
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          "print(','.join(m for m in ('tensorflow', 'keras') if m in sys.modules))"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def test_import_and_analytic_summary_load_no_tensorflow():
    code = ("import cnnzoo, cnnzoo.arithmetic, cnnzoo.cli\n"
            "s = cnnzoo.summarize('vgg16'); cnnzoo.check_params('lenet5', 61706)\n"
            "cnnzoo.arithmetic.receptive_field('alexnet')")
    assert _modules_after(code) == ""


def test_cli_size_prints_answer_and_formula(capsys):
    assert main(["size", "32", "--filter", "5", "--padding", "0", "--stride", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["28", "(32 + 2*0 - 5)//1 + 1 = 28"]
    assert main(["size", "28", "-f", "2", "--pool"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "14"
    assert main(["size", "4", "-f", "3", "-s", "2", "--transposed"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "9"


def test_cli_summary_and_json(capsys):
    assert main(["summary", "alexnet", "--variant", "paper"]) == 0
    assert "Total params: 60,965,224" in capsys.readouterr().out
    assert main(["summary", "vgg16", "--no-top", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 14_714_688


@pytest.mark.parametrize("argv", [
    ["size", "3", "-f", "5"],
    ["size", "32", "-f", "x"],
    ["summary", "resnet9000"],
    ["summary", "lenet5", "--variant", "nope"],
    ["frobnicate"],
])
def test_cli_bad_arguments_exit_2(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    assert "error" in capsys.readouterr().err


def test_cli_help_runs():
    out = subprocess.run([sys.executable, "-m", "cnnzoo.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "summary" in out.stdout and "size" in out.stdout
