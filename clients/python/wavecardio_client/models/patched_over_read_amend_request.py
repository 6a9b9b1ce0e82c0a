from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.over_read_label_enum import OverReadLabelEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="PatchedOverReadAmendRequest")


@_attrs_define
class PatchedOverReadAmendRequest:
    """A change to the caller's signed over-read: the new reading and why.

    Attributes:
        label (OverReadLabelEnum | Unset): * `ARR` - ARR
            * `CHF` - CHF
            * `NSR` - NSR
            * `non-diagnostic` - non-diagnostic
        comment (str | Unset):  Default: ''.
        reason (str | Unset): why the signed reading changes
    """

    label: OverReadLabelEnum | Unset = UNSET
    comment: str | Unset = ""
    reason: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label: str | Unset = UNSET
        if not isinstance(self.label, Unset):
            label = self.label.value

        comment = self.comment

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if label is not UNSET:
            field_dict["label"] = label
        if comment is not UNSET:
            field_dict["comment"] = comment
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        if not isinstance(self.label, Unset):
            files.append(("label", (None, str(self.label.value).encode(), "text/plain")))

        if not isinstance(self.comment, Unset):
            files.append(("comment", (None, str(self.comment).encode(), "text/plain")))

        if not isinstance(self.reason, Unset):
            files.append(("reason", (None, str(self.reason).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _label = d.pop("label", UNSET)
        label: OverReadLabelEnum | Unset
        if isinstance(_label, Unset):
            label = UNSET
        else:
            label = OverReadLabelEnum(_label)

        comment = d.pop("comment", UNSET)

        reason = d.pop("reason", UNSET)

        patched_over_read_amend_request = cls(
            label=label,
            comment=comment,
            reason=reason,
        )

        patched_over_read_amend_request.additional_properties = d
        return patched_over_read_amend_request

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
