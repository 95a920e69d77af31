"""Build LeNet-5 (lecture version) yourself with the Keras functional API."""


def build_lenet5(input_shape: tuple = (32, 32, 1), num_classes: int = 10):
    """LeNet-5 as a ``keras.Model`` (the lecture's: 32x32x1, 10 classes, 61,706 parameters).

    conv1: 6 filters 5x5; pool 2x2 stride 2; conv2: 16 filters 5x5; pool 2x2 stride 2;
    flatten; dense 120; dense 84; dense ``num_classes`` (softmax). Name the weighted layers conv1,
    conv2, fc1, fc2, fc3.
    """
    raise NotImplementedError("build_lenet5: fill this in")
