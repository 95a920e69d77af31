"""Counting parameters: multi-channel convolutions, dense layers, LeNet-5, AlexNet, VGG."""


def conv_params(f: int, c_in: int, c_out: int) -> int:
    """Parameters of a conv layer: ``c_out`` filters of ``f`` x ``f`` x ``c_in``, one bias each."""
    raise NotImplementedError("conv_params: fill this in")


def dense_params(inputs: int, units: int) -> int:
    """Parameters of a fully connected layer from ``inputs`` values to ``units`` units (with biases)."""
    raise NotImplementedError("dense_params: fill this in")


def lenet5_answers(size: int = 32, channels: int = 1, num_classes: int = 10) -> dict:
    """The LeNet-5 exercise, question by question, for a ``size`` x ``size`` x ``channels`` input.

    The lecture's LeNet-5 (32x32x1, 10 classes): conv1 6 filters 5x5; pool 2x2 stride 2;
    conv2 16 filters 5x5; pool 2x2 stride 2; flatten; dense 120; dense 84; dense
    ``num_classes``. Keys: ``q1_input`` (h, w, c); ``q2_filter`` f of conv1; ``q3_filters``
    count in conv1; ``q4_pool`` (f, s); ``q5_conv2`` (number of filters, f); ``q6_pool``
    (f, s); ``q7_flatten`` length after flattening; ``params`` a dict of parameters per
    layer (conv1, pool1, conv2, pool2, fc1, fc2, fc3); ``total``.
    """
    raise NotImplementedError("lenet5_answers: fill this in")


def vgg_params(cfg: list, input_size: int = 224, channels: int = 3, num_classes: int = 1000) -> int:
    """Total parameters of a VGG network.

    ``cfg`` lists the filters of each 3x3 "same" convolution and ``"M"`` for each 2x2
    max pool of stride 2 (e.g. VGG-16: [64, 64, "M", 128, ...]); after the last layer
    come flatten, two dense layers of 4096 units and a dense layer of ``num_classes``.
    """
    raise NotImplementedError("vgg_params: fill this in")


def alexnet_params(input_size: int = 227, groups: int = 1, num_classes: int = 1000) -> int:
    """Total parameters of AlexNet on an ``input_size`` x ``input_size`` x 3 image.

    conv1 96@11x11 stride 4 (valid); pool 3/2; conv2 256@5x5 same; pool 3/2; conv3 384@3x3;
    conv4 384@3x3; conv5 256@3x3 (all same); pool 3/2; fc6 4096; fc7 4096; fc8 ``num_classes``.
    On 227x227 the maps are 55, 27, 13 and 6 pixels wide. With ``groups=2`` (the paper's
    two GPUs) conv2, conv4 and conv5 see half the channels.
    """
    raise NotImplementedError("alexnet_params: fill this in")
