"""Train LeNet-5 on MNIST digits: the grader measures your model on digits it never shows you."""


def train_lenet5(x_train, y_train):
    """Build, compile and fit LeNet-5 on MNIST; return the trained ``keras.Model``.

    ``x_train``: uint8 images (N, 32, 32), 0..255 (MNIST padded to 32x32 as in LeCun et al.
    1998); ``y_train``: labels 0..9. Each grading may turn or mirror all the digits and
    rename the classes (the same for the digits it keeps back), so a model trained
    beforehand will not do: learn from what you are sent. The grader gives your model the
    digits it kept back as float32 ``x[..., None] / 255.0`` (N, 32, 32, 1) and takes the
    highest of its 10 outputs as the prediction: scale your training images the same way.
    At least 95% must be right.

    The lecture's LeNet-5 (61,706 parameters): conv1 6 filters 5x5, 2x2 pooling, conv2 16
    filters 5x5, 2x2 pooling, flatten, fc1 120, fc2 84, fc3 10. Name the weighted layers
    conv1, conv2, fc1, fc2, fc3 (your keras_lenet.build_lenet5 may be imported here). Use
    Keras' own layers only (no Lambda, no custom layers): the grader rebuilds the model from
    its config and weights. The call may take at most 180 s: ten epochs over 4,000 images
    take about 10 s on a laptop's CPU.
    """
    # BEGIN SOLUTION
    import keras

    keras.utils.set_random_seed(0)
    x = (x_train[..., None] / 255.0).astype("float32")
    net = keras.Sequential([
        keras.Input((32, 32, 1)),
        keras.layers.Conv2D(6, 5, activation="relu", name="conv1"),
        keras.layers.MaxPooling2D(2, name="pool1"),
        keras.layers.Conv2D(16, 5, activation="relu", name="conv2"),
        keras.layers.MaxPooling2D(2, name="pool2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(120, activation="relu", name="fc1"),
        keras.layers.Dense(84, activation="relu", name="fc2"),
        keras.layers.Dense(10, activation="softmax", name="fc3"),
    ], name="lenet5")
    epochs, batch = 12, 32
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, epochs * -(-len(x) // batch))
    net.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])
    net.fit(x, y_train, epochs=epochs, batch_size=batch, verbose=0)
    return net
    # END SOLUTION
