from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
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
        progress (float | None): fraction of the windows classified while running (stored about every second); null
            otherwise
    """

    id: UUID
    status: RecordingStatusStatusEnum
    progress: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        status = self.status.value

        progress: float | None
        progress = self.progress

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "progress": progress,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        status = RecordingStatusStatusEnum(d.pop("status"))

        def _parse_progress(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        progress = _parse_progress(d.pop("progress"))

        recording_status = cls(
            id=id,
            status=status,
            progress=progress,
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
