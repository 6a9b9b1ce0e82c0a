from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ClassifySignalRequest")


@_attrs_define
class ClassifySignalRequest:
    """The JSON form of a classify request: a signal, no ``file``; JSON types as the schema
    gives them (a number is not a string, a boolean not 1).

        Attributes:
            signal (Any): mV: [..] or [[lead 1], [lead 2]]
            sampling_rate_hz (float | None | Unset):
            model_version (str | Unset):  Default: ''.
            windows (bool | Unset):  Default: False.
    """

    signal: Any
    sampling_rate_hz: float | None | Unset = UNSET
    model_version: str | Unset = ""
    windows: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        signal = self.signal

        sampling_rate_hz: float | None | Unset
        if isinstance(self.sampling_rate_hz, Unset):
            sampling_rate_hz = UNSET
        else:
            sampling_rate_hz = self.sampling_rate_hz

        model_version = self.model_version

        windows = self.windows

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "signal": signal,
            }
        )
        if sampling_rate_hz is not UNSET:
            field_dict["sampling_rate_hz"] = sampling_rate_hz
        if model_version is not UNSET:
            field_dict["model_version"] = model_version
        if windows is not UNSET:
            field_dict["windows"] = windows

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        signal = d.pop("signal")

        def _parse_sampling_rate_hz(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        sampling_rate_hz = _parse_sampling_rate_hz(d.pop("sampling_rate_hz", UNSET))

        model_version = d.pop("model_version", UNSET)

        windows = d.pop("windows", UNSET)

        classify_signal_request = cls(
            signal=signal,
            sampling_rate_hz=sampling_rate_hz,
            model_version=model_version,
            windows=windows,
        )

        classify_signal_request.additional_properties = d
        return classify_signal_request

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
