from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.blank_enum import BlankEnum
from ..models.overread_status_enum import OverreadStatusEnum
from ..models.patient_sex_enum import PatientSexEnum

if TYPE_CHECKING:
    from ..models.prediction_detail import PredictionDetail
    from ..models.rhythm import Rhythm


T = TypeVar("T", bound="RecordingDetail")


@_attrs_define
class RecordingDetail:
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
        patient_ref (str): MRN or pseudonym
        acquired_at (datetime.datetime | None): when the ECG was taken
        patient_sex (BlankEnum | PatientSexEnum):
        patient_birth_year (int | None):
        overread_status (OverreadStatusEnum):
        signed_by (None | str): the first reviewer who signed, if any
        signal_purged_at (datetime.datetime | None): when the retention policy removed the stored file (summaries are
            kept)
        prediction (None | PredictionDetail):
        rhythm (None | Rhythm):
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
    patient_ref: str
    acquired_at: datetime.datetime | None
    patient_sex: BlankEnum | PatientSexEnum
    patient_birth_year: int | None
    overread_status: OverreadStatusEnum
    signed_by: None | str
    signal_purged_at: datetime.datetime | None
    prediction: None | PredictionDetail
    rhythm: None | Rhythm
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.prediction_detail import PredictionDetail  # noqa: PLC0415
        from ..models.rhythm import Rhythm  # noqa: PLC0415

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

        patient_ref = self.patient_ref

        acquired_at: None | str
        if isinstance(self.acquired_at, datetime.datetime):
            acquired_at = self.acquired_at.isoformat()
        else:
            acquired_at = self.acquired_at

        patient_sex: str
        if isinstance(self.patient_sex, PatientSexEnum):
            patient_sex = self.patient_sex.value
        else:
            patient_sex = self.patient_sex.value

        patient_birth_year: int | None
        patient_birth_year = self.patient_birth_year

        overread_status = self.overread_status.value

        signed_by: None | str
        signed_by = self.signed_by

        signal_purged_at: None | str
        if isinstance(self.signal_purged_at, datetime.datetime):
            signal_purged_at = self.signal_purged_at.isoformat()
        else:
            signal_purged_at = self.signal_purged_at

        prediction: dict[str, Any] | None
        if isinstance(self.prediction, PredictionDetail):
            prediction = self.prediction.to_dict()
        else:
            prediction = self.prediction

        rhythm: dict[str, Any] | None
        if isinstance(self.rhythm, Rhythm):
            rhythm = self.rhythm.to_dict()
        else:
            rhythm = self.rhythm

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
                "patient_ref": patient_ref,
                "acquired_at": acquired_at,
                "patient_sex": patient_sex,
                "patient_birth_year": patient_birth_year,
                "overread_status": overread_status,
                "signed_by": signed_by,
                "signal_purged_at": signal_purged_at,
                "prediction": prediction,
                "rhythm": rhythm,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.prediction_detail import PredictionDetail  # noqa: PLC0415
        from ..models.rhythm import Rhythm  # noqa: PLC0415

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

        patient_ref = d.pop("patient_ref")

        def _parse_acquired_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                acquired_at_type_0 = datetime.datetime.fromisoformat(data)

                return acquired_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        acquired_at = _parse_acquired_at(d.pop("acquired_at"))

        def _parse_patient_sex(data: object) -> BlankEnum | PatientSexEnum:
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

        patient_sex = _parse_patient_sex(d.pop("patient_sex"))

        def _parse_patient_birth_year(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        patient_birth_year = _parse_patient_birth_year(d.pop("patient_birth_year"))

        overread_status = OverreadStatusEnum(d.pop("overread_status"))

        def _parse_signed_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        signed_by = _parse_signed_by(d.pop("signed_by"))

        def _parse_signal_purged_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                signal_purged_at_type_0 = datetime.datetime.fromisoformat(data)

                return signal_purged_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        signal_purged_at = _parse_signal_purged_at(d.pop("signal_purged_at"))

        def _parse_prediction(data: object) -> None | PredictionDetail:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                prediction_type_1 = PredictionDetail.from_dict(data)

                return prediction_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PredictionDetail, data)

        prediction = _parse_prediction(d.pop("prediction"))

        def _parse_rhythm(data: object) -> None | Rhythm:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rhythm_type_1 = Rhythm.from_dict(data)

                return rhythm_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Rhythm, data)

        rhythm = _parse_rhythm(d.pop("rhythm"))

        recording_detail = cls(
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
            patient_ref=patient_ref,
            acquired_at=acquired_at,
            patient_sex=patient_sex,
            patient_birth_year=patient_birth_year,
            overread_status=overread_status,
            signed_by=signed_by,
            signal_purged_at=signal_purged_at,
            prediction=prediction,
            rhythm=rhythm,
        )

        recording_detail.additional_properties = d
        return recording_detail

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
