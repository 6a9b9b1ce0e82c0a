from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="ClassifyFileRequest")


@_attrs_define
class ClassifyFileRequest:
    """The multipart form of a classify request: a file, no ``signal``.

    Attributes:
        file (File): ECG recording: .npy (numpy.save of a numeric array, mV), .edf (EDF/EDF+, leads in mV or uV), .mat
            (MATLAB v5/v7 or v7.3, a numeric matrix in mV, optional fs), .zip (a WFDB record (.hea + .dat, optional .atr)
            zipped together), .json ({"signal": [...], "sampling_rate_hz": 128}) or .csv (one column per lead, optional
            header and time column)
        sampling_rate_hz (float | None | Unset): Hz the samples were recorded at. Required when the file states no rate
            (.npy, .mat without fs, .csv without a time column, JSON without sampling_rate_hz): the answer is then a 400
            sampling_rate_required problem; when both are given they must agree.
        model_version (str | Unset):  Default: ''.
        windows (bool | Unset):  Default: False.
    """

    file: File
    sampling_rate_hz: float | None | Unset = UNSET
    model_version: str | Unset = ""
    windows: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

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
                "file": file,
            }
        )
        if sampling_rate_hz is not UNSET:
            field_dict["sampling_rate_hz"] = sampling_rate_hz
        if model_version is not UNSET:
            field_dict["model_version"] = model_version
        if windows is not UNSET:
            field_dict["windows"] = windows

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.sampling_rate_hz, Unset):
            if isinstance(self.sampling_rate_hz, float):
                files.append(("sampling_rate_hz", (None, str(self.sampling_rate_hz).encode(), "text/plain")))
            else:
                files.append(("sampling_rate_hz", (None, str(self.sampling_rate_hz).encode(), "text/plain")))

        if not isinstance(self.model_version, Unset):
            files.append(("model_version", (None, str(self.model_version).encode(), "text/plain")))

        if not isinstance(self.windows, Unset):
            files.append(("windows", (None, str(self.windows).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        def _parse_sampling_rate_hz(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        sampling_rate_hz = _parse_sampling_rate_hz(d.pop("sampling_rate_hz", UNSET))

        model_version = d.pop("model_version", UNSET)

        windows = d.pop("windows", UNSET)

        classify_file_request = cls(
            file=file,
            sampling_rate_hz=sampling_rate_hz,
            model_version=model_version,
            windows=windows,
        )

        classify_file_request.additional_properties = d
        return classify_file_request

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
