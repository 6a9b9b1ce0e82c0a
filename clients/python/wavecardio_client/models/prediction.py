from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.blank_enum import BlankEnum
from ..models.label_enum import LabelEnum
from ..models.prediction_status_enum import PredictionStatusEnum
from ..models.rhythm_class_enum import RhythmClassEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.prediction_burden import PredictionBurden
    from ..models.prediction_probabilities import PredictionProbabilities
    from ..models.prediction_quality import PredictionQuality
    from ..models.prediction_timings_ms import PredictionTimingsMs


T = TypeVar("T", bound="Prediction")


@_attrs_define
class Prediction:
    """
    Attributes:
        label (BlankEnum | LabelEnum): the answer shown: a class, or 'uncertain'; blank until the status is done

            * `ARR` - ARR
            * `CHF` - CHF
            * `NSR` - NSR
            * `uncertain` - uncertain
        top_class (BlankEnum | RhythmClassEnum): the most probable class

            * `ARR` - ARR
            * `CHF` - CHF
            * `NSR` - NSR
        probabilities (PredictionProbabilities): per class, summing to 1
        model_version (str):
        timings_ms (PredictionTimingsMs):
        quality (PredictionQuality): usable and poor windows
        burden (PredictionBurden): fraction of the usable analysed time per window answer
        created_at (datetime.datetime):
        status (PredictionStatusEnum | Unset): * `pending` - Pending
            * `running` - Running
            * `done` - Done
            * `failed` - Failed
        confidence (float | None | Unset):
        longest_arr_run_s (float | None | Unset): longest stretch of consecutive ARR windows (s)
        decided_by (str | Unset): which part of the card's decision rule answered
        error (str | Unset):
        finished_at (datetime.datetime | None | Unset):
    """

    label: BlankEnum | LabelEnum
    top_class: BlankEnum | RhythmClassEnum
    probabilities: PredictionProbabilities
    model_version: str
    timings_ms: PredictionTimingsMs
    quality: PredictionQuality
    burden: PredictionBurden
    created_at: datetime.datetime
    status: PredictionStatusEnum | Unset = UNSET
    confidence: float | None | Unset = UNSET
    longest_arr_run_s: float | None | Unset = UNSET
    decided_by: str | Unset = UNSET
    error: str | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label: str
        if isinstance(self.label, LabelEnum):
            label = self.label.value
        else:
            label = self.label.value

        top_class: str
        if isinstance(self.top_class, RhythmClassEnum):
            top_class = self.top_class.value
        else:
            top_class = self.top_class.value

        probabilities = self.probabilities.to_dict()

        model_version = self.model_version

        timings_ms = self.timings_ms.to_dict()

        quality = self.quality.to_dict()

        burden = self.burden.to_dict()

        created_at = self.created_at.isoformat()

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        confidence: float | None | Unset
        if isinstance(self.confidence, Unset):
            confidence = UNSET
        else:
            confidence = self.confidence

        longest_arr_run_s: float | None | Unset
        if isinstance(self.longest_arr_run_s, Unset):
            longest_arr_run_s = UNSET
        else:
            longest_arr_run_s = self.longest_arr_run_s

        decided_by = self.decided_by

        error = self.error

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label": label,
                "top_class": top_class,
                "probabilities": probabilities,
                "model_version": model_version,
                "timings_ms": timings_ms,
                "quality": quality,
                "burden": burden,
                "created_at": created_at,
            }
        )
        if status is not UNSET:
            field_dict["status"] = status
        if confidence is not UNSET:
            field_dict["confidence"] = confidence
        if longest_arr_run_s is not UNSET:
            field_dict["longest_arr_run_s"] = longest_arr_run_s
        if decided_by is not UNSET:
            field_dict["decided_by"] = decided_by
        if error is not UNSET:
            field_dict["error"] = error
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.prediction_burden import PredictionBurden  # noqa: PLC0415
        from ..models.prediction_probabilities import PredictionProbabilities  # noqa: PLC0415
        from ..models.prediction_quality import PredictionQuality  # noqa: PLC0415
        from ..models.prediction_timings_ms import PredictionTimingsMs  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_label(data: object) -> BlankEnum | LabelEnum:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                label_type_0 = LabelEnum(data)

                return label_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, str):
                raise TypeError()
            label_type_1 = BlankEnum(data)

            return label_type_1

        label = _parse_label(d.pop("label"))

        def _parse_top_class(data: object) -> BlankEnum | RhythmClassEnum:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                top_class_type_0 = RhythmClassEnum(data)

                return top_class_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, str):
                raise TypeError()
            top_class_type_1 = BlankEnum(data)

            return top_class_type_1

        top_class = _parse_top_class(d.pop("top_class"))

        probabilities = PredictionProbabilities.from_dict(d.pop("probabilities"))

        model_version = d.pop("model_version")

        timings_ms = PredictionTimingsMs.from_dict(d.pop("timings_ms"))

        quality = PredictionQuality.from_dict(d.pop("quality"))

        burden = PredictionBurden.from_dict(d.pop("burden"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        _status = d.pop("status", UNSET)
        status: PredictionStatusEnum | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = PredictionStatusEnum(_status)

        def _parse_confidence(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        confidence = _parse_confidence(d.pop("confidence", UNSET))

        def _parse_longest_arr_run_s(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        longest_arr_run_s = _parse_longest_arr_run_s(d.pop("longest_arr_run_s", UNSET))

        decided_by = d.pop("decided_by", UNSET)

        error = d.pop("error", UNSET)

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        prediction = cls(
            label=label,
            top_class=top_class,
            probabilities=probabilities,
            model_version=model_version,
            timings_ms=timings_ms,
            quality=quality,
            burden=burden,
            created_at=created_at,
            status=status,
            confidence=confidence,
            longest_arr_run_s=longest_arr_run_s,
            decided_by=decided_by,
            error=error,
            finished_at=finished_at,
        )

        prediction.additional_properties = d
        return prediction

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
