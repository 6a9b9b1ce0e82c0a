"""Network builders. Every network outputs LOGITS (no softmax layer): serving applies
``softmax(logits / temperature)`` with the temperature fitted on cross-validation folds.

Kept deliberately small: a few dozen patients cannot support millions of parameters, and a
shipped model must stay well under 2 MB.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers


def _conv_block(x: Any, filters: int, kernel: int | tuple[int, int], pool: Any, conv: Any) -> Any:
    """Convolution -> batch norm -> ReLU -> max-pool (2-D or 1-D depending on ``conv``)."""
    x = conv(filters, kernel, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    return pool(x)


def _logits_model(
    inputs: Any, features: Any, n_classes: int, dropout: float, name: str
) -> keras.Model:
    """Pooled features -> dropout -> dense logits: the head every network here ends with."""
    x = layers.Dropout(dropout)(features)
    logits = layers.Dense(n_classes, name="logits")(x)
    return keras.Model(inputs, logits, name=name)


def scalogram_cnn(
    input_shape: tuple[int, ...],
    n_classes: int,
    width: int = 16,
    dropout: float = 0.3,
) -> keras.Model:
    """Compact 2-D CNN over one window's scalogram [n_freqs, columns, 1] -> logits.

    Three conv blocks (width, 2*width, 4*width filters, 3x3) each halving frequency and
    time, then global average pooling: the receptive field (~3 s) spans a few beats, enough
    to see QRS shape and beat-to-beat spacing, and averaging makes it shift-invariant.
    """
    inputs = keras.Input(shape=input_shape, name="scalogram")
    x = inputs
    for multiple in (1, 2, 4):
        x = _conv_block(x, width * multiple, 3, layers.MaxPooling2D(2), layers.Conv2D)
    x = layers.GlobalAveragePooling2D()(x)
    return _logits_model(inputs, x, n_classes, dropout, "scalogram_cnn")


def rhythm_cnn(
    input_shape: tuple[int, ...],
    n_classes: int,
    width: int = 16,
    dropout: float = 0.3,
) -> keras.Model:
    """2-D conv blocks for beat shape, then dilated 1-D convs over time for rhythm.

    The 2-D blocks pool frequency more than time, so the time axis keeps 4 Hz resolution;
    frequency is then folded into channels and three dilated convolutions (dilation 1, 2, 4)
    reach across the whole 8-s window, letting the network compare several RR intervals
    (irregularity, ectopic beats) instead of one or two beats.
    """
    inputs = keras.Input(shape=input_shape, name="scalogram")
    x = layers.Concatenate()(_scalogram_rhythm_features(inputs, width))
    return _logits_model(inputs, x, n_classes, dropout, "rhythm_cnn")


def _scalogram_rhythm_features(scalogram: Any, width: int) -> list[Any]:
    """rhythm_cnn's feature extractor: [average, max] over time of its last conv layer."""
    x = _conv_block(scalogram, width, 3, layers.MaxPooling2D((2, 1)), layers.Conv2D)
    x = _conv_block(x, 2 * width, 3, layers.MaxPooling2D((2, 2)), layers.Conv2D)
    x = _conv_block(x, 2 * width, 3, layers.MaxPooling2D((2, 1)), layers.Conv2D)
    x = layers.Permute((2, 1, 3))(x)  # (time, frequency, channels)
    x = layers.Reshape((x.shape[1], x.shape[2] * x.shape[3]))(x)
    for dilation in (1, 2, 4):
        x = layers.Conv1D(3 * width, 3, padding="same", dilation_rate=dilation, use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    return [layers.GlobalAveragePooling1D()(x), layers.GlobalMaxPooling1D()(x)]


def demo_image_cnn(
    input_shape: tuple[int, ...], n_classes: int, width: int = 8, dropout: float = 0.3
) -> keras.Model:
    """The original demo's kind of network: a plain CNN on a 224x224 scalogram image.

    A strided first layer brings 224x224 down quickly so it trains on two CPU cores.
    """
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(width, 5, strides=2, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    for multiple in (2, 4, 4):
        x = _conv_block(x, width * multiple, 3, layers.MaxPooling2D(2), layers.Conv2D)
    x = layers.GlobalAveragePooling2D()(x)
    return _logits_model(inputs, x, n_classes, dropout, "demo_image_cnn")


def raw_signal_cnn(
    input_shape: tuple[int, ...], n_classes: int, width: int = 16, dropout: float = 0.3
) -> keras.Model:
    """1-D CNN over one band-passed window [n_samples, 1]: the non-wavelet baseline.

    Five blocks of kernel-7 convolutions, each pooling by 2 (then by 4): the receptive field
    grows to a few seconds, as for the scalogram CNN.
    """
    inputs = keras.Input(shape=input_shape, name="signal")
    x = inputs
    for multiple, pool in ((1, 4), (1, 2), (2, 2), (2, 2), (4, 2)):
        x = _conv_block(x, width * multiple, 7, layers.MaxPooling1D(pool), layers.Conv1D)
    x = layers.GlobalAveragePooling1D()(x)
    return _logits_model(inputs, x, n_classes, dropout, "raw_signal_cnn")


def average_logits(members: list[keras.Model]) -> keras.Model:
    """One model whose logits are the mean of the members' logits (a seed ensemble)."""
    inputs = keras.Input(shape=members[0].input_shape[1:], name="input")
    renamed = [
        keras.Model(member.input, member.output, name=f"member_{index}")
        for index, member in enumerate(members)
    ]
    logits = layers.Average(name="logits")([member(inputs) for member in renamed])
    return keras.Model(inputs, logits, name=f"ensemble_of_{len(members)}_{members[0].name}")


def _input_shapes(model: keras.Model) -> Any:
    """[dims] of a single-input network; {input name: [dims]} of a multi-input one."""
    if len(model.inputs) == 1:
        return list(model.input_shape[1:])
    return {tensor.name.split(":")[0]: list(tensor.shape[1:]) for tensor in model.inputs}


def describe(model: keras.Model) -> dict[str, Any]:
    """What the model card records about a network: name, parameters, layer summary."""
    return {
        "name": model.name,
        "params": int(model.count_params()),
        "input_shape": _input_shapes(model),
        "layers": [
            {"type": type(layer).__name__, "output_shape": list(layer.output.shape[1:])}
            for layer in model.layers
        ],
        "output": "logits (softmax(logits / temperature) is applied at serving)",
    }


def rhythm_branches(
    input_shapes: dict[str, tuple[int, ...]],
    n_classes: int,
    width: int = 12,
    dropout: float = 0.3,
) -> keras.Model:
    """Model v5: the scalogram CNN of :func:`rhythm_cnn` beside a 1-D branch on the
    band-passed waveform (beat shape and timing at 128 Hz) and small dense branches on the
    R-R interval features (irregularity, premature beats, pauses) and, from v6, on the beat
    features (QRS width, ectopy), joined before the logits.

    ``input_shapes`` maps each input kind of :mod:`classifier.core.pipeline` to its shape; the
    Keras inputs carry those names so serving can feed them by name.
    """
    scalogram = keras.Input(shape=input_shapes["scalogram"], name="scalogram")
    branches = _scalogram_rhythm_features(scalogram, width)

    waveform = keras.Input(shape=input_shapes["waveform"], name="waveform")
    y = waveform
    for multiple, pool in ((1, 4), (2, 2), (2, 2), (4, 2)):
        y = _conv_block(y, width * multiple, 7, layers.MaxPooling1D(pool), layers.Conv1D)
    branches += [layers.GlobalAveragePooling1D()(y), layers.GlobalMaxPooling1D()(y)]

    inputs = [scalogram, waveform]
    for kind in ("rr_intervals", "beats"):  # per-window feature vectors: a small dense branch
        if kind in input_shapes:
            vector = keras.Input(shape=input_shapes[kind], name=kind)
            z = layers.BatchNormalization()(vector)
            branches.append(layers.Dense(2 * width, activation="relu")(z))
            inputs.append(vector)

    joined = layers.Concatenate()(branches)
    joined = layers.Dense(4 * width, activation="relu")(layers.Dropout(dropout)(joined))
    return _logits_model(inputs, joined, n_classes, dropout, "rhythm_branches")
