from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.label_enum import LabelEnum
from ..models.quality_enum import QualityEnum

if TYPE_CHECKING:
    from ..models.window_probabilities import WindowProbabilities


T = TypeVar("T", bound="Window")


@_attrs_define
class Window:
    """One analysis window of one lead (the CLI's ``--windows`` gives the same fields).

    Attributes:
        lead (int): index into the recording's leads
        start_s (float):
        end_s (float):
        label (LabelEnum): * `ARR` - ARR
            * `CHF` - CHF
            * `NSR` - NSR
            * `uncertain` - uncertain
        probabilities (WindowProbabilities):
        quality (QualityEnum): * `ok` - ok
            * `flat` - flat
            * `clipped` - clipped
            * `artefact` - artefact
    """

    lead: int
    start_s: float
    end_s: float
    label: LabelEnum
    probabilities: WindowProbabilities
    quality: QualityEnum
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lead = self.lead

        start_s = self.start_s

        end_s = self.end_s

        label = self.label.value

        probabilities = self.probabilities.to_dict()

        quality = self.quality.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "lead": lead,
                "start_s": start_s,
                "end_s": end_s,
                "label": label,
                "probabilities": probabilities,
                "quality": quality,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.window_probabilities import WindowProbabilities  # noqa: PLC0415

        d = dict(src_dict)
        lead = d.pop("lead")

        start_s = d.pop("start_s")

        end_s = d.pop("end_s")

        label = LabelEnum(d.pop("label"))

        probabilities = WindowProbabilities.from_dict(d.pop("probabilities"))

        quality = QualityEnum(d.pop("quality"))

        window = cls(
            lead=lead,
            start_s=start_s,
            end_s=end_s,
            label=label,
            probabilities=probabilities,
            quality=quality,
        )

        window.additional_properties = d
        return window

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
