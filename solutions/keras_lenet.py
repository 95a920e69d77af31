"""Build LeNet-5 (lecture version) yourself with the Keras functional API."""


def build_lenet5(input_shape: tuple = (32, 32, 1), num_classes: int = 10):
    """LeNet-5 as a ``keras.Model`` (the lecture's: 32x32x1, 10 classes, 61,706 parameters).

    conv1: 6 filters 5x5; pool 2x2 stride 2; conv2: 16 filters 5x5; pool 2x2 stride 2;
    flatten; dense 120; dense 84; dense ``num_classes`` (softmax). Name the weighted layers conv1,
    conv2, fc1, fc2, fc3.
    """
    # BEGIN SOLUTION
    import keras

    layers = keras.layers
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(6, 5, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(16, 5, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(120, activation="relu", name="fc1")(x)
    x = layers.Dense(84, activation="relu", name="fc2")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="fc3")(x)
    return keras.Model(inputs, outputs, name="lenet5")
    # END SOLUTION
