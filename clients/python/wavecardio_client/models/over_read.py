from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.rhythm_class_enum import RhythmClassEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="OverRead")


@_attrs_define
class OverRead:
    """
    Attributes:
        reviewer (str):
        agrees (bool):
        label (RhythmClassEnum): * `ARR` - ARR
            * `CHF` - CHF
            * `NSR` - NSR
        created_at (datetime.datetime):
        comment (str | Unset):
    """

    reviewer: str
    agrees: bool
    label: RhythmClassEnum
    created_at: datetime.datetime
    comment: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        reviewer = self.reviewer

        agrees = self.agrees

        label = self.label.value

        created_at = self.created_at.isoformat()

        comment = self.comment

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "reviewer": reviewer,
                "agrees": agrees,
                "label": label,
                "created_at": created_at,
            }
        )
        if comment is not UNSET:
            field_dict["comment"] = comment

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        reviewer = d.pop("reviewer")

        agrees = d.pop("agrees")

        label = RhythmClassEnum(d.pop("label"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        comment = d.pop("comment", UNSET)

        over_read = cls(
            reviewer=reviewer,
            agrees=agrees,
            label=label,
            created_at=created_at,
            comment=comment,
        )

        over_read.additional_properties = d
        return over_read

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
