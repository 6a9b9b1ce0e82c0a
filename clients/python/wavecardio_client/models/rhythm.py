from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rr_intervals import RRIntervals


T = TypeVar("T", bound="Rhythm")


@_attrs_define
class Rhythm:
    """Heart rate and R-R intervals, computed once per recording from its R-peaks.

    Attributes:
        heart_rate_bpm (float | None): mean heart rate: 60000 / mean R-R; null under 3 beats
        rr_ms (RRIntervals):
        n_beats (int): R-peaks detected
        lead (int): index of the lead the R-peaks come from
    """

    heart_rate_bpm: float | None
    rr_ms: RRIntervals
    n_beats: int
    lead: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        heart_rate_bpm: float | None
        heart_rate_bpm = self.heart_rate_bpm

        rr_ms = self.rr_ms.to_dict()

        n_beats = self.n_beats

        lead = self.lead

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "heart_rate_bpm": heart_rate_bpm,
                "rr_ms": rr_ms,
                "n_beats": n_beats,
                "lead": lead,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rr_intervals import RRIntervals  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_heart_rate_bpm(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        heart_rate_bpm = _parse_heart_rate_bpm(d.pop("heart_rate_bpm"))

        rr_ms = RRIntervals.from_dict(d.pop("rr_ms"))

        n_beats = d.pop("n_beats")

        lead = d.pop("lead")

        rhythm = cls(
            heart_rate_bpm=heart_rate_bpm,
            rr_ms=rr_ms,
            n_beats=n_beats,
            lead=lead,
        )

        rhythm.additional_properties = d
        return rhythm

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
