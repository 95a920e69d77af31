"""One worker of tests/test_keras_engine.py (run as a script): cnnzoo under Keras' own engine.

``python tests/keras_engine_worker.py '{"job": ..., ...}'``; the last line printed is a JSON summary.
"""

import json
import os
import sys
import time

args = json.loads(sys.argv[1])
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402

if args.get("processes", 1) > 1:  # a coordinator on localhost, as on a cluster
    keras.distribution.initialize(f"127.0.0.1:{args['port']}", args["processes"], args["process"])
import cnnzoo  # noqa: E402
from cnnzoo import distributed, transfer  # noqa: E402
from cnnzoo.training import load  # noqa: E402

summary = {"devices": len(keras.distribution.list_devices()), "worker": list(distributed.worker_info())}


def data_parallel():
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=keras.distribution.list_devices()))


def lenet(init):
    keras.utils.set_random_seed(0)
    model = cnnzoo.get_model("lenet5")
    model.set_weights(init) if init is not None else None
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


if args["job"] == "fit":  # LeNet-5 on a few hundred digits; tf.data: Keras shards it between processes
    import tensorflow as tf

    (x, y), _ = load("mnist")
    x, y = x[:args.get("n", 256)], y[:args.get("n", 256)]
    init = None
    if args.get("one_device_first"):  # the same run on one device, in this process, first
        one = lenet(None)
        init = one.get_weights()
        one.fit(x, y, batch_size=32, epochs=args["epochs"], shuffle=False, verbose=0)
        np.savez(args["out"] + ".one.npz", *one.get_weights())
        one = lenet(None)  # the same initial weights again
    if args.get("distribute", True):
        data_parallel()
    model = lenet(init)
    callbacks = []
    if args.get("backup"):
        backup = distributed.BackupAndRestore(args["backup"], save_freq=args.get("save_freq", "epoch"),
                                              delete_checkpoint=False)
        callbacks.append(backup)
    if args.get("pause"):  # time for a test to kill a worker between epochs
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda *_: time.sleep(args["pause"])))
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(32, drop_remainder=True)
    history = model.fit(dataset, epochs=args["epochs"], verbose=0, callbacks=callbacks)
    summary.update(loss=history.history["loss"], checksum=distributed.state_checksum(model))
    if args.get("backup"):
        summary.update(resumed_from=backup.resumed_from)
    if distributed.worker_info()[0] == 0:
        np.savez(args["out"], *model.get_weights())
elif args["job"] == "transfer":  # every transfer helper, without then with DataParallel over the devices
    images = np.random.default_rng(1).integers(0, 256, (21, 32, 32, 3)).astype("uint8")
    labels = np.arange(21) % 3
    results = {}
    for mode in ("single", "data_parallel"):
        if mode == "data_parallel":
            data_parallel()
        keras.utils.set_random_seed(0)
        if not os.path.exists(args["weights"]):  # random weights, statistics from the images: one file for both
            base = transfer.backbone("MobileNetV2", None, (32, 32, 3))
            transfer.estimate_batch_norm(base, images)
            base.save_weights(args["weights"])
        base = transfer.backbone("MobileNetV2", args["weights"], (32, 32, 3))
        feats = transfer.extract_features(base, images, batch_size=8, progress=False)
        head = transfer.train_head(feats[:20], labels[:20], 3, epochs=2, batch_size=8)  # batches of 8 and 4
        full = transfer.attach_head(base, head)
        attached = np.asarray(full.predict(images[:16].astype("float32"), batch_size=8, verbose=0))
        transfer.fine_tune(full, unfreeze_from="block_15_expand", learning_rate=1e-3,
                           data=(images[:16].astype("float32"), labels[:16]), batch_size=8)
        flat = lambda ws: np.concatenate([np.ravel(keras.ops.convert_to_numpy(w)) for w in ws])  # noqa: E731
        results[mode] = [feats, attached, flat(head.weights), flat(full.trainable_weights)]
    summary["differences"] = [float(np.abs(a - b).max()) for a, b in zip(*results.values())]
    summary["feature_spread"] = float(np.std(results["single"][0]))
print(json.dumps(summary))
