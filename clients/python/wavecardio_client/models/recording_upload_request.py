from __future__ import annotations

import datetime
from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.blank_enum import BlankEnum
from ..models.patient_sex_enum import PatientSexEnum
from ..types import UNSET, File, FileTypes, Unset

T = TypeVar("T", bound="RecordingUploadRequest")


@_attrs_define
class RecordingUploadRequest:
    """Patient details, all optional; ``validated_data["patient"]`` is a PatientDetails.

    Attributes:
        patient_ref (str | Unset): MRN or pseudonym: letters, digits and . _ - : (at most 64, starting with a letter or
            digit) Default: ''.
        acquired_at (datetime.datetime | None | Unset): when the ECG was taken
        patient_sex (BlankEnum | PatientSexEnum | Unset):  Default: BlankEnum.VALUE_0.
        patient_birth_year (int | None | Unset):
        file (File | Unset): ECG recording: .npy (numpy.save of a numeric array, mV), .edf (EDF/EDF+, leads in mV or
            uV), .mat (MATLAB v5/v7 or v7.3, a numeric matrix in mV, optional fs), .zip (a WFDB record (.hea + .dat,
            optional .atr) zipped together), .json ({"signal": [...], "sampling_rate_hz": 128}) or .csv (one column per
            lead, optional header and time column)
        record_files (list[File] | Unset): instead of file: the files of one WFDB record side by side (its .hea, .dat
            and optional .atr, each sent as record_files); stored as one .zip
        sampling_rate_hz (float | None | Unset): Hz the samples were recorded at. Required when the file states no rate
            (.npy, .mat without fs, .csv without a time column, JSON without sampling_rate_hz): the answer is then a 400
            sampling_rate_required problem; when both are given they must agree.
    """

    patient_ref: str | Unset = ""
    acquired_at: datetime.datetime | None | Unset = UNSET
    patient_sex: BlankEnum | PatientSexEnum | Unset = BlankEnum.VALUE_0
    patient_birth_year: int | None | Unset = UNSET
    file: File | Unset = UNSET
    record_files: list[File] | Unset = UNSET
    sampling_rate_hz: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        patient_ref = self.patient_ref

        acquired_at: None | str | Unset
        if isinstance(self.acquired_at, Unset):
            acquired_at = UNSET
        elif isinstance(self.acquired_at, datetime.datetime):
            acquired_at = self.acquired_at.isoformat()
        else:
            acquired_at = self.acquired_at

        patient_sex: str | Unset
        if isinstance(self.patient_sex, Unset):
            patient_sex = UNSET
        elif isinstance(self.patient_sex, PatientSexEnum):
            patient_sex = self.patient_sex.value
        else:
            patient_sex = self.patient_sex.value

        patient_birth_year: int | None | Unset
        if isinstance(self.patient_birth_year, Unset):
            patient_birth_year = UNSET
        else:
            patient_birth_year = self.patient_birth_year

        file: FileTypes | Unset = UNSET
        if not isinstance(self.file, Unset):
            file = self.file.to_tuple()

        record_files: list[FileTypes] | Unset = UNSET
        if not isinstance(self.record_files, Unset):
            record_files = []
            for record_files_item_data in self.record_files:
                record_files_item = record_files_item_data.to_tuple()

                record_files.append(record_files_item)

        sampling_rate_hz: float | None | Unset
        if isinstance(self.sampling_rate_hz, Unset):
            sampling_rate_hz = UNSET
        else:
            sampling_rate_hz = self.sampling_rate_hz

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if patient_ref is not UNSET:
            field_dict["patient_ref"] = patient_ref
        if acquired_at is not UNSET:
            field_dict["acquired_at"] = acquired_at
        if patient_sex is not UNSET:
            field_dict["patient_sex"] = patient_sex
        if patient_birth_year is not UNSET:
            field_dict["patient_birth_year"] = patient_birth_year
        if file is not UNSET:
            field_dict["file"] = file
        if record_files is not UNSET:
            field_dict["record_files"] = record_files
        if sampling_rate_hz is not UNSET:
            field_dict["sampling_rate_hz"] = sampling_rate_hz

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        if not isinstance(self.patient_ref, Unset):
            files.append(("patient_ref", (None, str(self.patient_ref).encode(), "text/plain")))

        if not isinstance(self.acquired_at, Unset):
            if isinstance(self.acquired_at, datetime.datetime):
                files.append(("acquired_at", (None, self.acquired_at.isoformat().encode(), "text/plain")))
            else:
                files.append(("acquired_at", (None, str(self.acquired_at).encode(), "text/plain")))

        if not isinstance(self.patient_sex, Unset):
            if isinstance(self.patient_sex, PatientSexEnum):
                files.append(("patient_sex", (None, str(self.patient_sex.value).encode(), "text/plain")))
            else:
                files.append(("patient_sex", (None, str(self.patient_sex.value).encode(), "text/plain")))

        if not isinstance(self.patient_birth_year, Unset):
            if isinstance(self.patient_birth_year, int):
                files.append(("patient_birth_year", (None, str(self.patient_birth_year).encode(), "text/plain")))
            else:
                files.append(("patient_birth_year", (None, str(self.patient_birth_year).encode(), "text/plain")))

        if not isinstance(self.file, Unset):
            files.append(("file", self.file.to_tuple()))

        if not isinstance(self.record_files, Unset):
            for record_files_item_element in self.record_files:
                files.append(("record_files", record_files_item_element.to_tuple()))

        if not isinstance(self.sampling_rate_hz, Unset):
            if isinstance(self.sampling_rate_hz, float):
                files.append(("sampling_rate_hz", (None, str(self.sampling_rate_hz).encode(), "text/plain")))
            else:
                files.append(("sampling_rate_hz", (None, str(self.sampling_rate_hz).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        patient_ref = d.pop("patient_ref", UNSET)

        def _parse_acquired_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                acquired_at_type_0 = datetime.datetime.fromisoformat(data)

                return acquired_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        acquired_at = _parse_acquired_at(d.pop("acquired_at", UNSET))

        def _parse_patient_sex(data: object) -> BlankEnum | PatientSexEnum | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                patient_sex_type_0 = PatientSexEnum(data)

                return patient_sex_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, str):
                raise TypeError()
            patient_sex_type_1 = BlankEnum(data)

            return patient_sex_type_1

        patient_sex = _parse_patient_sex(d.pop("patient_sex", UNSET))

        def _parse_patient_birth_year(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        patient_birth_year = _parse_patient_birth_year(d.pop("patient_birth_year", UNSET))

        _file = d.pop("file", UNSET)
        file: File | Unset
        if isinstance(_file, Unset):
            file = UNSET
        else:
            file = File(payload=BytesIO(_file))

        _record_files = d.pop("record_files", UNSET)
        record_files: list[File] | Unset = UNSET
        if _record_files is not UNSET:
            record_files = []
            for record_files_item_data in _record_files:
                record_files_item = File(payload=BytesIO(record_files_item_data))

                record_files.append(record_files_item)

        def _parse_sampling_rate_hz(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        sampling_rate_hz = _parse_sampling_rate_hz(d.pop("sampling_rate_hz", UNSET))

        recording_upload_request = cls(
            patient_ref=patient_ref,
            acquired_at=acquired_at,
            patient_sex=patient_sex,
            patient_birth_year=patient_birth_year,
            file=file,
            record_files=record_files,
            sampling_rate_hz=sampling_rate_hz,
        )

        recording_upload_request.additional_properties = d
        return recording_upload_request

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
