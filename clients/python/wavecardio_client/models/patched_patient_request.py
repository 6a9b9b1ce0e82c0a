from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.blank_enum import BlankEnum
from ..models.patient_sex_enum import PatientSexEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="PatchedPatientRequest")


@_attrs_define
class PatchedPatientRequest:
    """Patient details, all optional; ``validated_data["patient"]`` is a PatientDetails.

    Attributes:
        patient_ref (str | Unset): MRN or pseudonym: letters, digits and . _ - : (at most 64, starting with a letter or
            digit) Default: ''.
        acquired_at (datetime.datetime | None | Unset): when the ECG was taken
        patient_sex (BlankEnum | PatientSexEnum | Unset):  Default: BlankEnum.VALUE_0.
        patient_birth_year (int | None | Unset):
    """

    patient_ref: str | Unset = ""
    acquired_at: datetime.datetime | None | Unset = UNSET
    patient_sex: BlankEnum | PatientSexEnum | Unset = BlankEnum.VALUE_0
    patient_birth_year: int | None | Unset = UNSET
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

        patched_patient_request = cls(
            patient_ref=patient_ref,
            acquired_at=acquired_at,
            patient_sex=patient_sex,
            patient_birth_year=patient_birth_year,
        )

        patched_patient_request.additional_properties = d
        return patched_patient_request

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
