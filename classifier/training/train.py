"""Train the shipped model and write it with its card into ``models/``.

The card's metrics come only from patients a network never saw: the recipe is first
cross-validated with patient-grouped folds (which also fits the temperature and the
``uncertain`` threshold), then the shipped network is trained on every patient with the
same settings. ``python -m classifier.training evaluate`` adds the comparison with the other
candidates and the shortcut control to the same card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.training import card as cards
from classifier.training.architectures import describe
from classifier.training.crossval import cross_validate
from classifier.training.recipes import SHIPPED, Recipe
from classifier.training.sources import CLASSES, Lead

logger = logging.getLogger(__name__)

DEFAULT_VERSION = "wavecardio-cnn-v4"


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
    recipe: Recipe = SHIPPED,
    n_folds: int = 5,
    n_resamples: int = 1000,
    verbose: int = 2,
) -> TrainResult:
    """Cross-validate ``recipe``, train it on all patients, and write ``<version>.keras`` +
    ``<version>.json`` into ``out_dir``."""
    if not recipe.servable:
        raise ValueError(f"recipe {recipe.name} cannot be served by classifier.core.pipeline")
    preprocessing_code = cards.preprocessing_code_sha256()  # what this process trains with
    logger.info("cross-validating %s (%d patient-grouped folds)", recipe.name, n_folds)
    cv = cross_validate(recipe, leads, n_folds, seed).report(n_resamples)
    logger.info("training the shipped network on all %d recordings", len(leads))
    model = recipe.train(leads, seed, verbose)

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
            "function": "classifier.core.pipeline.model_inputs",
            "scalogram": recipe.spec.to_dict(),
            "input": "one lead, mV, resampled to 128 Hz by classifier.core.signal",
            "code_sha256": preprocessing_code,
        },
        "decision": {
            **cv["decision"],
            "aggregation": "recording = mean of window probabilities softmax(logits / T)",
            "how_chosen": (
                "temperature: minimum NLL of out-of-fold window logits; uncertain_below: lowest "
                "threshold whose answered out-of-fold recordings reach the target accuracy"
            ),
        },
        "architecture": describe(model),
        "training": {
            "recipe": recipe.to_dict(),
            "seed": seed,
            "trained_on": "all patients below (after cross-validation)",
            "patients": sorted({lead.patient for lead in leads}),
        },
        "data": cards.data_summary(leads, source),
        "evaluation": {
            "method": (
                f"patient-grouped, class-stratified {n_folds}-fold cross-validation of this "
                "recipe (same settings and seed); the shipped network is trained on all "
                "patients, so these out-of-fold figures estimate it on new patients from the "
                "same databases"
            ),
            "computed_on": cards.computed_on(),
            **cv,
        },
        "limits": cards.limits(leads),
        "citations": list(cards.CITATIONS),
        "licence": cards.LICENCE,
    }
    card_path = out_dir / f"{version}.json"
    cards.write_card(card, card_path)
    return TrainResult(card_path, weights, card)
