from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OverReadAmendment")


@_attrs_define
class OverReadAmendment:
    """
    Attributes:
        amended_by (str):
        previous_label (str):
        previous_comment (str):
        label (str):
        comment (str):
        reason (str):
        created_at (datetime.datetime):
    """

    amended_by: str
    previous_label: str
    previous_comment: str
    label: str
    comment: str
    reason: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amended_by = self.amended_by

        previous_label = self.previous_label

        previous_comment = self.previous_comment

        label = self.label

        comment = self.comment

        reason = self.reason

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amended_by": amended_by,
                "previous_label": previous_label,
                "previous_comment": previous_comment,
                "label": label,
                "comment": comment,
                "reason": reason,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amended_by = d.pop("amended_by")

        previous_label = d.pop("previous_label")

        previous_comment = d.pop("previous_comment")

        label = d.pop("label")

        comment = d.pop("comment")

        reason = d.pop("reason")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        over_read_amendment = cls(
            amended_by=amended_by,
            previous_label=previous_label,
            previous_comment=previous_comment,
            label=label,
            comment=comment,
            reason=reason,
            created_at=created_at,
        )

        over_read_amendment.additional_properties = d
        return over_read_amendment

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
