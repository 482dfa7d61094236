"""compile_path.choose: the path per backend, device and model, forced values, the reason."""

import keras
import pytest

from dlrecipes.models.cnn import convnet, lenet5
from dlrecipes.spec import RecipeError, TrainSpec
from dlrecipes.training.compile_path import (
    MAX_STEPS_PER_EXECUTION,
    TARGET_FLOPS_PER_EXECUTION,
    choose,
    model_kind,
    training_flops,
)


def _mlp(units=(32,), inputs=64):
    layers = [keras.layers.Dense(u, activation="relu") for u in units]
    return keras.Sequential([keras.Input((inputs,)), *layers, keras.layers.Dense(10)])


def _lstm():
    return keras.Sequential([keras.Input((28, 28)), keras.layers.LSTM(16), keras.layers.Dense(10)])


def test_model_kinds():
    assert model_kind(_mlp()) == "dense"
    assert model_kind(convnet()) == "convolutional"
    assert model_kind(lenet5(faithful=True)) == "convolutional"
    assert model_kind(_lstm()) == "recurrent"
    wrapped = keras.Sequential([keras.Input((64,)), _mlp()])
    assert model_kind(wrapped) == "dense"


def test_tensorflow_cpu_chooses_no_xla_for_small_dense_cnn_and_rnn():
    train = TrainSpec(batch_size=32)
    for model, word in ((_mlp(), "small dense"), (convnet(), "convolutional"), (_lstm(), "rec")):
        path = choose(model, train, 40, backend="tensorflow", device="cpu")
        assert path.jit_compile is False and word in path.reason and path.forced == ()


def test_large_dense_model_on_cpu_and_everything_on_gpu_or_jax_use_xla():
    big = _mlp((2048, 2048), inputs=784)
    train = TrainSpec(batch_size=128)
    assert training_flops(big, 128) > 2e9
    assert choose(big, train, 40, backend="tensorflow", device="cpu").jit_compile is True
    assert choose(convnet(), train, 40, backend="tensorflow", device="gpu").jit_compile is True
    assert choose(_mlp(), train, 40, backend="jax", device="cpu").jit_compile is True


def test_forced_values_are_kept_and_named():
    train = TrainSpec(jit_compile=True, steps_per_execution=3)
    path = choose(_mlp(), train, 40, backend="tensorflow", device="cpu")
    assert (path.jit_compile, path.steps_per_execution) == (True, 3)
    assert path.forced == ("jit_compile", "steps_per_execution")
    assert "set by the recipe" in path.reason
    off = choose(big := _mlp((2048,), 784), TrainSpec(jit_compile=False), 5, backend="jax")
    assert off.jit_compile is False and big is not None


def test_steps_per_execution_groups_tiny_steps_up_to_one_epoch():
    tiny = choose(_mlp(), TrainSpec(batch_size=32), 1000, backend="tensorflow", device="cpu")
    assert tiny.steps_per_execution == MAX_STEPS_PER_EXECUTION
    short_epoch = choose(_mlp(), TrainSpec(batch_size=32), 5, backend="tensorflow", device="cpu")
    assert short_epoch.steps_per_execution == 5
    big = choose(_mlp((4096, 4096), 784), TrainSpec(batch_size=256), 100, backend="tensorflow")
    assert training_flops(_mlp((4096, 4096), 784), 256) > TARGET_FLOPS_PER_EXECUTION
    assert big.steps_per_execution == 1
    medium = _mlp((2048, 2048), 784)  # 5.8M multiply-adds per image: 4.5e9 FLOPs per step
    grouped = choose(medium, TrainSpec(batch_size=128), 100, backend="tensorflow")
    assert grouped.steps_per_execution == int(TARGET_FLOPS_PER_EXECUTION // 4.5e9) == 4


def test_tensorflow_data_parallel_auto_is_no_xla():
    train = TrainSpec(distribution="data_parallel")
    path = choose(_mlp((2048, 2048), 784), train, 10, backend="tensorflow", device="gpu")
    assert path.jit_compile is False and "MirroredStrategy" in path.reason
    tiny = choose(_mlp(), train, 10, backend="tensorflow", device="cpu")
    assert tiny.steps_per_execution == 1  # MirroredStrategy runs one step per call


def test_spec_values_auto_strings_and_errors():
    assert TrainSpec().jit_compile == "auto" and TrainSpec().steps_per_execution == "auto"
    assert TrainSpec(jit_compile="false").jit_compile is False
    assert TrainSpec(steps_per_execution="8").steps_per_execution == 8
    with pytest.raises(RecipeError, match=r"train.jit_compile expects true or false"):
        TrainSpec(jit_compile="maybe")
    with pytest.raises(RecipeError, match=r"Received: train.steps_per_execution=0"):
        TrainSpec(steps_per_execution=0)
    path = choose(_mlp(), TrainSpec(), 4, backend="tensorflow", device="cpu")
    assert path.as_dict()["forced"] == [] and path.line().startswith("compile path: XLA off")


def test_a_model_with_text_vectorization_never_gets_xla_even_on_a_gpu():
    vectorizer = keras.layers.TextVectorization(max_tokens=20, output_mode="multi_hot")
    vectorizer.adapt(["a b c", "b c d"])
    inputs = keras.Input((1,), dtype="string")
    model = keras.Model(inputs, keras.layers.Dense(2)(vectorizer(inputs)))
    for device in ("cpu", "gpu"):
        path = choose(model, TrainSpec(batch_size=8), 10, backend="tensorflow", device=device)
        assert path.jit_compile is False and "string ops" in path.reason
