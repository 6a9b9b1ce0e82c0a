from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.over_read_label_enum import OverReadLabelEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.over_read_amendment import OverReadAmendment


T = TypeVar("T", bound="OverRead")


@_attrs_define
class OverRead:
    """A signed over-read (one per reviewer and prediction), its current reading and the
    amendments that led to it.

        Attributes:
            reviewer (str):
            agrees (bool):
            label (OverReadLabelEnum): * `ARR` - ARR
                * `CHF` - CHF
                * `NSR` - NSR
                * `non-diagnostic` - non-diagnostic
            created_at (datetime.datetime): when it was signed
            signed_at (datetime.datetime):
            amended_at (datetime.datetime | None):
            amendments (list[OverReadAmendment]):
            comment (str | Unset):
    """

    reviewer: str
    agrees: bool
    label: OverReadLabelEnum
    created_at: datetime.datetime
    signed_at: datetime.datetime
    amended_at: datetime.datetime | None
    amendments: list[OverReadAmendment]
    comment: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        reviewer = self.reviewer

        agrees = self.agrees

        label = self.label.value

        created_at = self.created_at.isoformat()

        signed_at = self.signed_at.isoformat()

        amended_at: None | str
        if isinstance(self.amended_at, datetime.datetime):
            amended_at = self.amended_at.isoformat()
        else:
            amended_at = self.amended_at

        amendments = []
        for amendments_item_data in self.amendments:
            amendments_item = amendments_item_data.to_dict()
            amendments.append(amendments_item)

        comment = self.comment

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "reviewer": reviewer,
                "agrees": agrees,
                "label": label,
                "created_at": created_at,
                "signed_at": signed_at,
                "amended_at": amended_at,
                "amendments": amendments,
            }
        )
        if comment is not UNSET:
            field_dict["comment"] = comment

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.over_read_amendment import OverReadAmendment  # noqa: PLC0415

        d = dict(src_dict)
        reviewer = d.pop("reviewer")

        agrees = d.pop("agrees")

        label = OverReadLabelEnum(d.pop("label"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        signed_at = datetime.datetime.fromisoformat(d.pop("signed_at"))

        def _parse_amended_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                amended_at_type_0 = datetime.datetime.fromisoformat(data)

                return amended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        amended_at = _parse_amended_at(d.pop("amended_at"))

        amendments = []
        _amendments = d.pop("amendments")
        for amendments_item_data in _amendments:
            amendments_item = OverReadAmendment.from_dict(amendments_item_data)

            amendments.append(amendments_item)

        comment = d.pop("comment", UNSET)

        over_read = cls(
            reviewer=reviewer,
            agrees=agrees,
            label=label,
            created_at=created_at,
            signed_at=signed_at,
            amended_at=amended_at,
            amendments=amendments,
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
