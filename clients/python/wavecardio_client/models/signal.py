from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Signal")


@_attrs_define
class Signal:
    """
    Attributes:
        sampling_rate_hz (float):
        duration_s (float):
        lead_names (list[str]):
        t (list[float]): seconds
        leads (list[list[float]]): mV, per lead
        decimated (bool): min/max per bucket when true
        zoom_level (int): buckets of 2**zoom_level samples on a grid from the first sample; 0: every sample
        samples_per_bucket (int):
        r_peaks_s (list[float] | None): the recording's R-peaks in the span (s); only at full resolution, else null
    """

    sampling_rate_hz: float
    duration_s: float
    lead_names: list[str]
    t: list[float]
    leads: list[list[float]]
    decimated: bool
    zoom_level: int
    samples_per_bucket: int
    r_peaks_s: list[float] | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sampling_rate_hz = self.sampling_rate_hz

        duration_s = self.duration_s

        lead_names = self.lead_names

        t = self.t

        leads = []
        for leads_item_data in self.leads:
            leads_item = leads_item_data

            leads.append(leads_item)

        decimated = self.decimated

        zoom_level = self.zoom_level

        samples_per_bucket = self.samples_per_bucket

        r_peaks_s: list[float] | None
        if isinstance(self.r_peaks_s, list):
            r_peaks_s = self.r_peaks_s

        else:
            r_peaks_s = self.r_peaks_s

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sampling_rate_hz": sampling_rate_hz,
                "duration_s": duration_s,
                "lead_names": lead_names,
                "t": t,
                "leads": leads,
                "decimated": decimated,
                "zoom_level": zoom_level,
                "samples_per_bucket": samples_per_bucket,
                "r_peaks_s": r_peaks_s,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sampling_rate_hz = d.pop("sampling_rate_hz")

        duration_s = d.pop("duration_s")

        lead_names = cast(list[str], d.pop("lead_names"))

        t = cast(list[float], d.pop("t"))

        leads = []
        _leads = d.pop("leads")
        for leads_item_data in _leads:
            leads_item = cast(list[float], leads_item_data)

            leads.append(leads_item)

        decimated = d.pop("decimated")

        zoom_level = d.pop("zoom_level")

        samples_per_bucket = d.pop("samples_per_bucket")

        def _parse_r_peaks_s(data: object) -> list[float] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                r_peaks_s_type_0 = cast(list[float], data)

                return r_peaks_s_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None, data)

        r_peaks_s = _parse_r_peaks_s(d.pop("r_peaks_s"))

        signal = cls(
            sampling_rate_hz=sampling_rate_hz,
            duration_s=duration_s,
            lead_names=lead_names,
            t=t,
            leads=leads,
            decimated=decimated,
            zoom_level=zoom_level,
            samples_per_bucket=samples_per_bucket,
            r_peaks_s=r_peaks_s,
        )

        signal.additional_properties = d
        return signal

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
