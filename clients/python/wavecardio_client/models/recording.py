from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.prediction import Prediction


T = TypeVar("T", bound="Recording")


@_attrs_define
class Recording:
    """
    Attributes:
        id (UUID):
        owner (str):
        original_filename (str):
        sha256 (str):
        size_bytes (int):
        file_format (str):
        sampling_rate_hz (float): rate of the uploaded file
        n_samples (int): samples per lead at the uploaded rate
        duration_s (float):
        leads (Any):
        uploaded_at (datetime.datetime):
        prediction (None | Prediction):
    """

    id: UUID
    owner: str
    original_filename: str
    sha256: str
    size_bytes: int
    file_format: str
    sampling_rate_hz: float
    n_samples: int
    duration_s: float
    leads: Any
    uploaded_at: datetime.datetime
    prediction: None | Prediction
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.prediction import Prediction  # noqa: PLC0415

        id = str(self.id)

        owner = self.owner

        original_filename = self.original_filename

        sha256 = self.sha256

        size_bytes = self.size_bytes

        file_format = self.file_format

        sampling_rate_hz = self.sampling_rate_hz

        n_samples = self.n_samples

        duration_s = self.duration_s

        leads = self.leads

        uploaded_at = self.uploaded_at.isoformat()

        prediction: dict[str, Any] | None
        if isinstance(self.prediction, Prediction):
            prediction = self.prediction.to_dict()
        else:
            prediction = self.prediction

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "owner": owner,
                "original_filename": original_filename,
                "sha256": sha256,
                "size_bytes": size_bytes,
                "file_format": file_format,
                "sampling_rate_hz": sampling_rate_hz,
                "n_samples": n_samples,
                "duration_s": duration_s,
                "leads": leads,
                "uploaded_at": uploaded_at,
                "prediction": prediction,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.prediction import Prediction  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        owner = d.pop("owner")

        original_filename = d.pop("original_filename")

        sha256 = d.pop("sha256")

        size_bytes = d.pop("size_bytes")

        file_format = d.pop("file_format")

        sampling_rate_hz = d.pop("sampling_rate_hz")

        n_samples = d.pop("n_samples")

        duration_s = d.pop("duration_s")

        leads = d.pop("leads")

        uploaded_at = datetime.datetime.fromisoformat(d.pop("uploaded_at"))

        def _parse_prediction(data: object) -> None | Prediction:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prediction_type_1 = Prediction.from_dict(data)

                return prediction_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Prediction, data)

        prediction = _parse_prediction(d.pop("prediction"))

        recording = cls(
            id=id,
            owner=owner,
            original_filename=original_filename,
            sha256=sha256,
            size_bytes=size_bytes,
            file_format=file_format,
            sampling_rate_hz=sampling_rate_hz,
            n_samples=n_samples,
            duration_s=duration_s,
            leads=leads,
            uploaded_at=uploaded_at,
            prediction=prediction,
        )

        recording.additional_properties = d
        return recording

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
