from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.recording_status_status_enum import RecordingStatusStatusEnum

T = TypeVar("T", bound="RecordingStatus")


@_attrs_define
class RecordingStatus:
    """
    Attributes:
        id (UUID):
        status (RecordingStatusStatusEnum): * `pending` - pending
            * `running` - running
            * `done` - done
            * `failed` - failed
            * `none` - none
    """

    id: UUID
    status: RecordingStatusStatusEnum
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        status = RecordingStatusStatusEnum(d.pop("status"))

        recording_status = cls(
            id=id,
            status=status,
        )

        recording_status.additional_properties = d
        return recording_status

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
