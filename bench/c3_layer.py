"""LeNet-5's C3 alone, forward + backward (batch 32, 14x14x6): this checkout's
ConnectionTableConv2D vs another checkout's (``python bench/c3_layer.py OTHER_CHECKOUT``)
vs a dense ``Conv2D(16, 5)``, TensorFlow with and without XLA; median ms of 7 x 20 steps."""

import importlib.util
import statistics
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

HERE = Path(__file__).resolve().parent.parent
LAYER = "dlrecipes/layers/connection_table_conv2d.py"


def _load(root: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, root / LAYER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ConnectionTableConv2D


def main() -> None:
    layers = {"this": _load(HERE, "c3_this"), "dense": None}
    if len(sys.argv) > 1:
        layers["other"] = _load(Path(sys.argv[1]), "c3_other")
    x = tf.constant(np.random.default_rng(0).normal(size=(32, 14, 14, 6)).astype("float32"))
    for xla in (False, True):
        for name, cls in layers.items():
            layer = cls() if cls else keras.layers.Conv2D(16, 5)
            layer(x)

            @tf.function(jit_compile=xla)
            def step(x, layer=layer):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(layer(x) ** 2)
                return tape.gradient(loss, [x, *layer.trainable_weights])

            step(x)
            times = []
            for _ in range(7):
                start = time.perf_counter()
                for _ in range(20):
                    gradients = step(x)
                gradients[0].numpy()
                times.append((time.perf_counter() - start) / 20 * 1e3)
            print(f"xla={xla!s:5s} {name:6s} {statistics.median(times):8.3f} ms", flush=True)


if __name__ == "__main__":
    main()
