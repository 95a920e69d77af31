"""VGG-11/13/16/19: one configuration table, layers named as in keras.applications."""

from __future__ import annotations

from collections.abc import Callable

from cnnzoo.specs import blocks
from cnnzoo.specs.registry import ModelSpec, register_model

VGG_CFGS: dict[int, list[int | str]] = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
         512, 512, 512, 512, "M"],
}


def vgg_spec(depth: int, input_shape: tuple[int, int, int], num_classes: int, include_top: bool,
             batch_norm: bool) -> ModelSpec:
    """VGG-``depth`` with the layer names of ``keras.applications`` (``block1_conv1``,
    ``block1_pool``, ``fc1``, ``fc2``, ``predictions``), so weights load by name.
    ``batch_norm`` puts a BatchNormalization between each convolution and its ReLU. The
    defaults are the registered functions' (``vgg16_spec``, ...).
    """
    if depth not in VGG_CFGS:
        raise ValueError(f"VGG depth must be one of {sorted(VGG_CFGS)}; got {depth!r}")
    n = blocks.classes(num_classes)
    layers, block, conv = [blocks.input(input_shape)], 1, 1
    for item in VGG_CFGS[depth]:
        if item == "M":
            layers.append(blocks.pool(f"block{block}_pool", 2))
            block, conv = block + 1, 1
            continue
        name = f"block{block}_conv{conv}"
        if batch_norm:
            layers += [blocks.conv(name, int(item), 3, padding="same", activation=None),
                       blocks.layer("BatchNormalization", f"block{block}_bn{conv}"),
                       blocks.layer("Activation", f"block{block}_relu{conv}", activation="relu")]
        else:
            layers.append(blocks.conv(name, int(item), 3, padding="same"))
        conv += 1
    if include_top:
        layers += [blocks.layer("Flatten", "flatten"), blocks.dense("fc1", 4096), blocks.dense("fc2", 4096),
                   blocks.dense("predictions", n, activation="softmax")]
    opts = {"input_shape": tuple(input_shape), "num_classes": n, "include_top": include_top,
            "batch_norm": batch_norm}
    return ModelSpec(f"vgg{depth}", layers, "bn" if batch_norm else "", opts)


def _vgg(depth: int, doc: str) -> Callable[..., ModelSpec]:
    """The registered spec function of VGG-``depth`` (its signature is ``cnnzoo.vgg<depth>``'s)."""

    def spec(input_shape: tuple[int, int, int] = (224, 224, 3), num_classes: int = 1000,
             include_top: bool = True, *, batch_norm: bool = False) -> ModelSpec:
        return vgg_spec(depth, input_shape, num_classes, include_top, batch_norm)

    spec.__name__ = spec.__qualname__ = f"vgg{depth}_spec"
    spec.__doc__ = doc + """

    ``include_top=False`` leaves out the classifier (``flatten``, ``fc1``, ``fc2``,
    ``predictions``); ``batch_norm`` puts a BatchNormalization between each convolution and
    its ReLU.
    """
    return register_model(f"vgg{depth}")(spec)


vgg11_spec = _vgg(11, "VGG-11, configuration A of Simonyan and Zisserman (2015): 132,863,336 parameters "
                      "with the top.")
vgg13_spec = _vgg(13, "VGG-13, configuration B: 133,047,848 parameters with the top.")
vgg16_spec = _vgg(16, "VGG-16, configuration D, layer for layer ``keras.applications.VGG16``: 138,357,544\n"
                      "    parameters with the top.")
vgg19_spec = _vgg(19, "VGG-19, configuration E, layer for layer ``keras.applications.VGG19``: 143,667,240\n"
                      "    parameters with the top.")
