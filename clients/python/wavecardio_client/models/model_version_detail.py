from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.model_version_detail_card import ModelVersionDetailCard


T = TypeVar("T", bound="ModelVersionDetail")


@_attrs_define
class ModelVersionDetail:
    """
    Attributes:
        name (str):
        created_at (datetime.datetime):
        classes (list[str]):
        card (ModelVersionDetailCard): The model card as written by training (data, evaluation, limits).
        is_active (bool | Unset):
        is_shadow (bool | Unset):
        activated_at (datetime.datetime | None | Unset):
    """

    name: str
    created_at: datetime.datetime
    classes: list[str]
    card: ModelVersionDetailCard
    is_active: bool | Unset = UNSET
    is_shadow: bool | Unset = UNSET
    activated_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        created_at = self.created_at.isoformat()

        classes = self.classes

        card = self.card.to_dict()

        is_active = self.is_active

        is_shadow = self.is_shadow

        activated_at: None | str | Unset
        if isinstance(self.activated_at, Unset):
            activated_at = UNSET
        elif isinstance(self.activated_at, datetime.datetime):
            activated_at = self.activated_at.isoformat()
        else:
            activated_at = self.activated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "created_at": created_at,
                "classes": classes,
                "card": card,
            }
        )
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if is_shadow is not UNSET:
            field_dict["is_shadow"] = is_shadow
        if activated_at is not UNSET:
            field_dict["activated_at"] = activated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_version_detail_card import ModelVersionDetailCard  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        classes = cast(list[str], d.pop("classes"))

        card = ModelVersionDetailCard.from_dict(d.pop("card"))

        is_active = d.pop("is_active", UNSET)

        is_shadow = d.pop("is_shadow", UNSET)

        def _parse_activated_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                activated_at_type_0 = datetime.datetime.fromisoformat(data)

                return activated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        activated_at = _parse_activated_at(d.pop("activated_at", UNSET))

        model_version_detail = cls(
            name=name,
            created_at=created_at,
            classes=classes,
            card=card,
            is_active=is_active,
            is_shadow=is_shadow,
            activated_at=activated_at,
        )

        model_version_detail.additional_properties = d
        return model_version_detail

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
