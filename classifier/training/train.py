"""Train the shipped model and write it with its card into ``models/``.

The card's metrics come only from patients the evaluated network never saw: a
patient-grouped holdout here (the first honest model); the cross-validated evaluation of
issue 6 extends the card through ``python -m classifier.training evaluate``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.model import DecisionRule
from classifier.training import card as cards
from classifier.training.architectures import describe
from classifier.training.evaluation import HeldOut, summarise
from classifier.training.fit import logits_of
from classifier.training.recipes import WINDOWED, Recipe
from classifier.training.sources import CLASSES, Lead
from classifier.training.split import holdout_split

logger = logging.getLogger(__name__)

DEFAULT_VERSION = "wavecardio-cnn-v1"


@dataclass(frozen=True)
class TrainResult:
    card_path: Path
    weights_path: Path
    card: dict[str, Any]


def train_and_write(
    leads: list[Lead],
    source: str,
    out_dir: Path,
    *,
    seed: int = 0,
    version: str = DEFAULT_VERSION,
    recipe: Recipe = WINDOWED,
    test_fraction: float = 0.25,
    decision: DecisionRule | None = None,
    verbose: int = 2,
) -> TrainResult:
    """Fit ``recipe`` on the training patients, score it on the held-out patients, and write
    ``<version>.keras`` + ``<version>.json`` into ``out_dir``."""
    if not recipe.servable:
        raise ValueError(f"recipe {recipe.name} cannot be served by classifier.pipeline")
    decision = decision or DecisionRule()
    train, test = holdout_split(leads, test_fraction, seed)
    print(f"training on {len(train)} recordings, testing on {len(test)} (held-out patients)")
    model = recipe.train(train, seed, verbose)
    test_windows = recipe.evaluation_windows(test)
    held_out = HeldOut(logits_of(model, test_windows.inputs), test_windows)
    scores = summarise(held_out, decision.temperature, decision.uncertain_below, seed=seed)

    out_dir.mkdir(parents=True, exist_ok=True)
    weights = out_dir / f"{version}.keras"
    model.save(weights)
    card = {
        "version": version,
        "classes": list(CLASSES),
        "created": cards.now_utc(),
        "intended_use": cards.INTENDED_USE,
        **cards.weights_fields(weights),
        "preprocessing": {
            "function": "classifier.pipeline.model_inputs",
            "scalogram": recipe.spec.to_dict(),
            "input": "one lead, mV, resampled to 128 Hz by classifier.signal",
        },
        "decision": {
            "temperature": decision.temperature,
            "uncertain_below": decision.uncertain_below,
            "aggregation": "recording = mean of window probabilities softmax(logits / T)",
        },
        "architecture": describe(model),
        "training": {
            "recipe": recipe.to_dict(),
            "seed": seed,
            "patients": sorted({lead.patient for lead in train}),
            "recordings": len(train),
        },
        "data": cards.data_summary(leads, source),
        "evaluation": {
            "method": (
                f"patient-grouped holdout: {len(test)} recordings of "
                f"{len({lead.patient for lead in test})} patients never seen in training "
                f"(class-stratified, seed {seed}); at most {recipe.max_eval_windows_per_lead} "
                "evenly spaced windows per recording"
            ),
            "test_patients": sorted({lead.patient for lead in test}),
            **scores,
        },
        "limits": cards.limits(leads),
        "citations": list(cards.CITATIONS),
        "licence": cards.LICENCE,
    }
    card_path = out_dir / f"{version}.json"
    cards.write_card(card, card_path)
    return TrainResult(card_path, weights, card)
