"""Fit a network on windows, deterministically given a seed.

Determinism matters for a clinical model: the card's numbers must be reproducible from a clean
checkout. ``keras.utils.set_random_seed`` seeds Python, NumPy and TensorFlow, and
``enable_op_determinism`` makes TensorFlow kernels deterministic (at some speed cost).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from classifier.core.model import softmax
from classifier.training.sources import CLASSES

logger = logging.getLogger(__name__)

# Softening of the teacher's logits when distilling (Hinton et al. 2015): above 1 the student
# also learns which wrong class the teacher found more plausible.
DISTIL_TEMPERATURE = 2.0


@dataclass(frozen=True)
class FitConfig:
    """Optimisation settings (recorded in the model card)."""

    epochs: int = 25
    batch_size: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    class_weighting: bool = True  # every class weighs the same in the loss, however many windows
    # Within a class, a patient's windows weigh n ** -patient_balance each (n = that
    # patient's training windows): 0 = every window the same, so one long recording outweighs
    # a dozen one-minute excerpts; 1 = every patient the same. Needs class_weighting.
    patient_balance: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_deterministic(seed: int) -> None:
    """Seed every generator Keras uses and force deterministic TensorFlow kernels."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def sample_weights(
    labels: np.ndarray, patients: np.ndarray | None = None, patient_balance: float = 0.0
) -> np.ndarray:
    """float64[n] loss weights averaging 1: every class present weighs the same in total
    and, within a class, each window of a patient with n windows weighs in proportion to
    ``n ** -patient_balance`` (``patients``: the patient of every window)."""
    labels = np.asarray(labels)
    weights = np.ones(len(labels))
    if patients is not None and patient_balance:
        _, patient_ids, per_patient = np.unique(patients, return_inverse=True, return_counts=True)
        weights = per_patient[patient_ids].astype(np.float64) ** -patient_balance
    classes = np.unique(labels)
    for k in classes:
        in_class = labels == k
        weights[in_class] *= len(labels) / (len(classes) * weights[in_class].sum())
    return weights


def fit(
    build: Callable[[], Any],
    inputs: np.ndarray,
    labels: np.ndarray,
    config: FitConfig,
    seed: int,
    verbose: int = 0,
    teacher_logits: np.ndarray | None = None,
    patients: np.ndarray | None = None,
) -> Any:
    """Build a fresh network with ``build()`` and train it on (inputs, labels) -> the model.

    With ``teacher_logits`` (float[n, n_classes]) the network is distilled instead: it learns
    the teacher's probabilities at ``DISTIL_TEMPERATURE`` rather than the hard labels, which
    carry how sure the teacher is; ``labels`` then only weigh the classes. ``patients``
    (the patient of every window) is needed for ``config.patient_balance``.
    ``verbose=2`` prints one progress line per epoch (the CLI's default for ``train``).
    """
    import keras

    make_deterministic(seed)
    model = build()
    if teacher_logits is None:
        loss, targets = _hard_loss(), labels
    else:
        loss, targets = _distillation_loss(), softmax(teacher_logits / DISTIL_TEMPERATURE)
    weights = (
        sample_weights(labels, patients, config.patient_balance) if config.class_weighting else None
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(config.learning_rate, weight_decay=config.weight_decay),
        loss=loss,
    )
    model.fit(
        inputs,
        targets,
        batch_size=config.batch_size,
        epochs=config.epochs,
        sample_weight=weights,
        shuffle=True,
        verbose=verbose,
    )
    logger.debug("fit.done", extra={"windows": len(labels), "params": model.count_params()})
    return model


def _hard_loss() -> Any:
    import keras

    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _distillation_loss() -> Any:
    """Cross-entropy between the teacher's softened probabilities and the student's
    logits / T, scaled by T**2 so its gradients keep the size of a hard-label loss."""
    import keras

    def loss(teacher_probs: Any, student_logits: Any) -> Any:
        return DISTIL_TEMPERATURE**2 * keras.losses.categorical_crossentropy(
            teacher_probs, student_logits / DISTIL_TEMPERATURE, from_logits=True
        )

    return loss


def logits_of(model: Any, inputs: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """float32[n, n_classes] logits in batches (no dropout/batch-norm updates)."""
    if len(inputs) == 0:
        return np.zeros((0, len(CLASSES)), np.float32)
    return np.asarray(model.predict(inputs, batch_size=batch_size, verbose=0), dtype=np.float32)
