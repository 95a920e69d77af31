"""Figures: each is made and saved without a display; what they show is what the library computes."""

from pathlib import Path

import numpy as np
import pytest

from cnnzoo import arithmetic as ar
from cnnzoo import ops, summarize, viz

PNG = b"\x89PNG"


def _saved(path):
    data = path.read_bytes()
    assert data[:4] == PNG and len(data) > 5_000
    return True


def test_convolution_steps_show_the_lecture_values(tmp_path):
    fig = viz.convolution_steps(p=1, s=2, path=tmp_path / "c.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert "out[1,0] = sum(window * filter) = 8" in titles  # the slide's 6 is a slip
    assert "out[0,2] = sum(window * filter) = 3" in titles
    assert sum(t.startswith("out[") for t in titles) == 9
    assert _saved(tmp_path / "c.png")


@pytest.mark.parametrize("kind, values", [("max", [3, 3, 3, 3, 3, 3, 3, 2, 3]),
                                          ("avg", [1.67, 1.67, 1.67, 1, 1.22, 1.78, 1.11, 0.778, 1.33])])
def test_pooling_steps(tmp_path, kind, values):
    fig = viz.pooling_steps(kind=kind, path=tmp_path / "p.png")
    shown = [float(ax.get_title().rsplit("= ", 1)[1]) for ax in fig.axes if ax.get_title().startswith("out[")]
    np.testing.assert_allclose(shown, values, rtol=1e-2)
    assert _saved(tmp_path / "p.png")


def test_pixel_usage_map_is_the_arithmetic(tmp_path):
    fig = viz.pixel_usage_map(7, 3, path=tmp_path / "u.png")
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), ar.pixel_usage(7, 3))
    assert _saved(tmp_path / "u.png")


def test_edge_maps_are_ops_conv2d_of_the_photo(tmp_path):
    maps = viz.edge_maps()
    gray = maps["image"]
    assert gray.shape == (427, 640) and 0 <= gray.min() and gray.max() <= 1
    for name, kernel in viz.EDGE_FILTERS.items():
        np.testing.assert_array_equal(maps[name], ops.conv2d(gray, kernel, padding="same"))
    step = np.zeros((8, 8), np.float32)
    step[:, 4:] = 1.0  # a vertical edge
    synthetic = viz.edge_maps(step)
    assert np.abs(synthetic["vertical"][1:-1, 1:-1]).max() == 3
    assert np.abs(synthetic["horizontal"][1:-1, 1:-1]).max() == 0
    viz.edge_detection(path=tmp_path / "e.png")
    assert _saved(tmp_path / "e.png")


def test_architecture_diagram_has_a_block_per_layer(tmp_path):
    s = summarize("lenet5")
    fig = viz.architecture(s, path=tmp_path / "a.png")
    assert len(fig.axes[0].patches) == len(s.rows)
    assert _saved(tmp_path / "a.png")


@pytest.fixture(scope="module")
def lenet_and_digits(keras):
    from cnnzoo.data import digits
    from cnnzoo.models import lenet5
    from cnnzoo.training import TrainResult

    keras.utils.set_random_seed(0)
    data = digits()
    return TrainResult(lenet5(), {}, 0.0, 0.0, None, data)


def test_filters_and_feature_maps(lenet_and_digits, tmp_path):
    model = lenet_and_digits.model
    x = lenet_and_digits.data[1][0][0]
    fig = viz.filters_and_feature_maps(model, x, path=tmp_path / "f.png")
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(images) == 1 + 2 * 6  # input, 6 filters, 6 maps
    np.testing.assert_allclose(images[1], model.get_layer("conv1").get_weights()[0][:, :, 0, 0])
    assert [im.shape for im in images[7:]] == [(28, 28)] * 6  # the maps, after the filters
    assert _saved(tmp_path / "f.png")


def test_embedding_has_one_point_per_test_image(lenet_and_digits, tmp_path):
    (_, _), (x_test, y_test) = lenet_and_digits.data
    features = viz.hidden_features(lenet_and_digits.model, x_test)
    assert features.shape == (len(x_test), 84)
    fig = viz.embedding({"untrained": features}, y_test, path=tmp_path / "t.png")
    scatters = [ax.collections[0] for ax in fig.axes if "last hidden layer" in ax.get_title()]
    assert len(scatters) == 2 and all(len(s.get_offsets()) == len(x_test) for s in scatters)
    assert _saved(tmp_path / "t.png")


@pytest.mark.slow
def test_write_all_writes_every_figure(lenet_and_digits, tmp_path):
    from cnnzoo.demo import figures

    paths = figures(str(tmp_path / "figs"), trained=lenet_and_digits, progress=False)
    assert len(paths) == 10
    assert all(_saved(Path(p)) for p in paths)


@pytest.mark.parametrize("call, message", [
    (lambda: viz.embed(np.zeros((5, 3)), "umap"), "method must be 'pca' or 'tsne'; got 'umap'"),
    (lambda: viz.convolution_steps(np.zeros((2, 5, 5))), "2-D input and a square 2-D filter"),
    (lambda: viz.pooling_steps(kind="median"), "kind must be 'max' or 'avg'"),
    (lambda: viz.plot_history({"acc": [1]}), "history must be"),
    (lambda: viz.embedding({"a": np.zeros((3, 2))}, [0, 1]), "has 3 samples but there are 2 labels"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
