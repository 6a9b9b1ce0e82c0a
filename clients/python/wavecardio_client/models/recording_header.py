from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RecordingHeader")


@_attrs_define
class RecordingHeader:
    """Patient and acquisition details a file's header carries (EDF+, WFDB); null if none.

    Attributes:
        patient_id (None | str):
        start (datetime.datetime | None):
        sex (None | str):
        birth_year (int | None):
        annotations (int | None): reference annotations that came with it (WFDB .atr)
    """

    patient_id: None | str
    start: datetime.datetime | None
    sex: None | str
    birth_year: int | None
    annotations: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        patient_id: None | str
        patient_id = self.patient_id

        start: None | str
        if isinstance(self.start, datetime.datetime):
            start = self.start.isoformat()
        else:
            start = self.start

        sex: None | str
        sex = self.sex

        birth_year: int | None
        birth_year = self.birth_year

        annotations: int | None
        annotations = self.annotations

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "patient_id": patient_id,
                "start": start,
                "sex": sex,
                "birth_year": birth_year,
                "annotations": annotations,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_patient_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        patient_id = _parse_patient_id(d.pop("patient_id"))

        def _parse_start(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_type_0 = datetime.datetime.fromisoformat(data)

                return start_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        start = _parse_start(d.pop("start"))

        def _parse_sex(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sex = _parse_sex(d.pop("sex"))

        def _parse_birth_year(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        birth_year = _parse_birth_year(d.pop("birth_year"))

        def _parse_annotations(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        annotations = _parse_annotations(d.pop("annotations"))

        recording_header = cls(
            patient_id=patient_id,
            start=start,
            sex=sex,
            birth_year=birth_year,
            annotations=annotations,
        )

        recording_header.additional_properties = d
        return recording_header

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
