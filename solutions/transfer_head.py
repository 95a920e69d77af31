"""Transfer learning with stored activations: a frozen backbone, a head trained on its features.

The backbone is LeNet-5's convolutional part, trained on the digits 0 to 4; the new task
is the digits 5 to 9. First extract features yourself; then train a head on features the
grader serves, where every image's features cost one pass through the backbone.
"""

import numpy as np  # noqa: F401  (the stub leaves it for your code)


def backbone():
    """The frozen backbone: LeNet-5's convolutional part, 400 features per 32x32x1 image.

    conv1 (6 filters 5x5, relu), pool1 (2x2 max), conv2 (16 filters 5x5, relu), pool2 (2x2
    max), flatten. Its weights come from the grader (trained on the digits 0 to 4).
    """
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(32, 32, 1)),
        layers.Conv2D(6, 5, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(16, 5, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
    ], name="backbone")


def extract_features(weights, images):
    """The backbone's features of ``images``: a float array (N, 400).

    ``weights``: the backbone's 4 arrays, in ``get_weights()`` order (conv1 kernel and bias,
    conv2 kernel and bias); ``images``: uint8 (N, 32, 32), 0..255. Build :func:`backbone`,
    set its weights, freeze it, and run it once over the images scaled as
    ``x[..., None] / 255.0`` (float32).
    """
    # BEGIN SOLUTION
    net = backbone()
    net.set_weights(weights)
    net.trainable = False
    x = (np.asarray(images)[..., None] / 255.0).astype("float32")
    return net.predict(x, batch_size=256, verbose=0)
    # END SOLUTION


def head_step(n_images, indices, features, labels):
    """One step of training a head on a frozen backbone that only the grader runs.

    The grader holds ``n_images`` training images (digits 5 to 9) and the backbone. It
    calls this function again and again (at most 60 times in 120 s). The first time,
    ``indices``, ``features`` and ``labels`` are ``None``. Each time, return either

    - a list of image indices (ints from 0 to ``n_images - 1``): the grader runs the
      backbone on those images, one pass per image (it counts them), and calls you again
      with those ``indices``, their ``features`` (float32, one row of 400 per image) and
      their ``labels`` (the digits, 5 to 9);
    - or your trained head: a ``keras.Model`` taking the 400 features of one image and
      returning 10 scores (the highest is the prediction). The grader measures it on the
      features of digits you never see: at least 92% must be right.

    Stored activations: ask for every image once, keep what you receive (a module-level
    dict or list survives between calls), and train the head on the stored features for as
    many epochs as you like. Asking for an image again costs another backbone pass, and a
    head that has not seen every training image's features earns no pass points. Use
    Keras' own layers only (the grader rebuilds the head from its config and weights).
    """
    # BEGIN SOLUTION
    if features is None:
        return list(range(n_images))  # every image once: its activations are stored here
    import keras

    keras.utils.set_random_seed(0)
    head = keras.Sequential([keras.Input((features.shape[1],)),
                             keras.layers.Dense(10, activation="softmax", name="scores")], name="head")
    head.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    head.fit(features, labels, epochs=30, batch_size=32, verbose=0)
    return head
    # END SOLUTION
