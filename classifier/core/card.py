"""The model card's schema: the one authoritative description of a model that serving obeys.

A card (``models/<version>.json``) travels with the weights. Serving, training, export, the
web pages and the API read the class list, the input kinds, the scalogram parameters and
the decision rule from it, never from constants of their own. :meth:`ModelCard.read`
checks every field serving relies on and refuses a card that fails with one clear message
(``ModelLoadError``); the human sections (data, evaluation, limits) stay in ``raw``.
Pure Python: no Django, no TensorFlow.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.core.cwt import ScalogramSpec
from classifier.core.features import EACH_LEAD, INPUT_KINDS, R_PEAK_SOURCES, SCALOGRAM

UNCERTAIN = "uncertain"
# Cards written before model v5 carry no input list: they read the scalogram only.
LEGACY_INPUTS: tuple[str, ...] = (SCALOGRAM,)


class ModelLoadError(RuntimeError):
    """The model files are missing, inconsistent or corrupt (the card fails its schema)."""


class CardSchemaError(ModelLoadError):
    """A model card field is missing or has the wrong type or value."""


@dataclass(frozen=True)
class DecisionRule:
    """How calibrated window probabilities become window and recording answers.

    Every threshold is fitted on cross-validation folds (the card says how). A recording is
    answered ARR when its confident-ARR burden reaches ``arr_burden_at_least`` or confident
    ARR windows run for ``arr_run_at_least_s``; otherwise its top mean probability answers
    if it reaches ``uncertain_below``, else ``uncertain``. A window is answered when its top
    probability reaches ``window_uncertain_below``. ``None`` disables a burden rule (cards
    before v5: recording = mean of window probabilities only).
    """

    temperature: float = 1.0
    uncertain_below: float = 0.6
    window_uncertain_below: float | None = None
    arr_burden_at_least: float | None = None
    arr_run_at_least_s: float | None = None
    min_good_window_fraction: float = 0.5

    @property
    def window_threshold(self) -> float:
        return (
            self.uncertain_below
            if self.window_uncertain_below is None
            else self.window_uncertain_below
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionRule:
        def number(name: str, default: float | None, low: float, high: float) -> float | None:
            value = data.get(name, default)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise CardSchemaError(f"decision.{name} must be a number, got {value!r}")
            if not (math.isfinite(value) and low <= value <= high):
                raise CardSchemaError(f"decision.{name} must lie in [{low}, {high}], got {value}")
            return float(value)

        return cls(
            temperature=number("temperature", 1.0, 1e-3, 1e3) or 1.0,
            uncertain_below=number("uncertain_below", 0.6, 0.0, 1.0) or 0.0,
            window_uncertain_below=number("window_uncertain_below", None, 0.0, 1.0),
            arr_burden_at_least=number("arr_burden_at_least", None, 0.0, 1.0),
            arr_run_at_least_s=number("arr_run_at_least_s", None, 0.0, 86400.0),
            min_good_window_fraction=number("min_good_window_fraction", 0.5, 0.0, 1.0) or 0.0,
        )


@dataclass(frozen=True)
class RhythmStage:
    """Trees after the network (cards from v7 on): they read the network's logits, then the
    ``inputs`` kinds, then with ``cross_lead`` (v10 on) the mean and spread of the logits
    over the recording's leads at the same time
    (:func:`classifier.core.context.across_leads`), and give the model's logits. ``file`` (an
    ``.npz`` beside the card, :class:`classifier.core.trees.BoostedTrees`) must have the
    ``sha256``."""

    file: str
    sha256: str
    inputs: tuple[str, ...]
    cross_lead: bool = False

    @classmethod
    def from_dict(cls, data: Any) -> RhythmStage:
        if not isinstance(data, dict):
            raise CardSchemaError("rhythm_stage must be an object")
        inputs = _strings(data, "inputs")
        _check_kinds(inputs, "rhythm_stage.inputs")
        if not str(data.get("file", "")).endswith(".npz"):
            raise CardSchemaError(f"rhythm_stage.file must name an .npz, got {data.get('file')!r}")
        cross_lead = data.get("cross_lead", False)
        if not isinstance(cross_lead, bool):
            raise CardSchemaError(
                f"rhythm_stage.cross_lead must be true or false, got {cross_lead!r}"
            )
        return cls(
            file=_string(data, "file"),
            sha256=_string(data, "sha256"),
            inputs=inputs,
            cross_lead=cross_lead,
        )


@dataclass(frozen=True)
class ModelCard:
    """The fields serving needs, typed and checked; everything else in ``raw``."""

    version: str
    classes: tuple[str, ...]
    spec: ScalogramSpec
    inputs: tuple[str, ...]
    decision: DecisionRule
    weights_file: str
    weights_sha256: str
    label_rule: str = ""
    stage: RhythmStage | None = None
    r_peaks: str = EACH_LEAD  # where each lead's R-peaks come from (features.R_PEAK_SOURCES)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def window_s(self) -> float:
        return self.spec.window_s

    @property
    def all_inputs(self) -> tuple[str, ...]:
        """Every input kind serving computes: the network's, then the rhythm stage's."""
        extra = self.stage.inputs if self.stage else ()
        return self.inputs + tuple(kind for kind in extra if kind not in self.inputs)

    @classmethod
    def read(cls, card_path: Path | str) -> ModelCard:
        """Parse and check ``card_path``; ModelLoadError says which field is wrong."""
        try:
            raw = json.loads(Path(card_path).read_text())
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot read model card {card_path}: {exc}") from exc
        try:
            return cls.from_dict(raw)
        except CardSchemaError as exc:
            raise CardSchemaError(f"model card {card_path} is invalid: {exc}") from exc

    @classmethod
    def from_dict(cls, raw: Any) -> ModelCard:
        if not isinstance(raw, dict):
            raise CardSchemaError("a model card must be a JSON object")
        classes = _strings(raw, "classes")
        if len(set(classes)) != len(classes) or len(classes) < 2 or UNCERTAIN in classes:
            raise CardSchemaError(
                f"classes must be at least two distinct names other than {UNCERTAIN!r}, "
                f"got {list(classes)}"
            )
        preprocessing = raw.get("preprocessing")
        if not isinstance(preprocessing, dict) or not isinstance(
            preprocessing.get("scalogram"), dict
        ):
            raise CardSchemaError("preprocessing.scalogram is missing")
        try:
            spec = ScalogramSpec.from_dict(preprocessing["scalogram"])
        except (TypeError, ValueError) as exc:
            raise CardSchemaError(f"preprocessing.scalogram: {exc}") from exc
        inputs = tuple(preprocessing.get("inputs") or LEGACY_INPUTS)
        _check_kinds(inputs, "preprocessing.inputs")
        r_peaks = preprocessing.get("r_peaks", EACH_LEAD)  # cards before v8: each lead's own
        if r_peaks not in R_PEAK_SOURCES:
            raise CardSchemaError(
                f"preprocessing.r_peaks must be one of {list(R_PEAK_SOURCES)}, got {r_peaks!r}"
            )
        decision = raw.get("decision", {})
        if not isinstance(decision, dict):
            raise CardSchemaError("decision must be an object")
        return cls(
            version=_string(raw, "version"),
            classes=classes,
            spec=spec,
            inputs=inputs,
            decision=DecisionRule.from_dict(decision),
            weights_file=_string(raw, "weights_file"),
            weights_sha256=_string(raw, "weights_sha256"),
            label_rule=str(raw.get("label_rule", "")),
            stage=RhythmStage.from_dict(raw["rhythm_stage"]) if "rhythm_stage" in raw else None,
            r_peaks=r_peaks,
            raw=raw,
        )


def _check_kinds(kinds: tuple[str, ...], where: str) -> None:
    unknown = [kind for kind in kinds if kind not in INPUT_KINDS]
    if unknown or len(set(kinds)) != len(kinds):
        raise CardSchemaError(
            f"{where} must be distinct kinds among {list(INPUT_KINDS)}, got {list(kinds)}"
        )


def _string(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value:
        raise CardSchemaError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _strings(raw: dict[str, Any], name: str) -> tuple[str, ...]:
    value = raw.get(name)
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        raise CardSchemaError(f"{name} must be a list of names, got {value!r}")
    return tuple(value)
