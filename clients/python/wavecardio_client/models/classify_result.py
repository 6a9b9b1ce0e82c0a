from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.label_enum import LabelEnum
from ..models.rhythm_class_enum import RhythmClassEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.classify_result_burden import ClassifyResultBurden
    from ..models.classify_result_probabilities import ClassifyResultProbabilities
    from ..models.classify_result_quality import ClassifyResultQuality
    from ..models.classify_result_timings_ms import ClassifyResultTimingsMs
    from ..models.recording_header import RecordingHeader
    from ..models.window import Window


T = TypeVar("T", bound="ClassifyResult")


@_attrs_define
class ClassifyResult:
    """One classified signal: the fields of ``manage.py classify --json``.

    Attributes:
        file (str):
        format_ (str): the reader that read the file (npy, edf, wfdb...)
        sampling_rate_hz (float): the rate it was recorded at
        header (RecordingHeader): Patient and acquisition details a file's header carries (EDF+, WFDB); null if none.
        leads (list[str]):
        label (LabelEnum): * `ARR` - ARR
            * `CHF` - CHF
            * `NSR` - NSR
            * `uncertain` - uncertain
        top_class (RhythmClassEnum): * `ARR` - ARR
            * `CHF` - CHF
            * `NSR` - NSR
        confidence (float):
        probabilities (ClassifyResultProbabilities):
        burden (ClassifyResultBurden):
        longest_arr_run_s (float):
        decided_by (str):
        quality (ClassifyResultQuality):
        timings_ms (ClassifyResultTimingsMs):
        model_version (str):
        n_windows (int):
        windows (list[Window] | Unset):
    """

    file: str
    format_: str
    sampling_rate_hz: float
    header: RecordingHeader
    leads: list[str]
    label: LabelEnum
    top_class: RhythmClassEnum
    confidence: float
    probabilities: ClassifyResultProbabilities
    burden: ClassifyResultBurden
    longest_arr_run_s: float
    decided_by: str
    quality: ClassifyResultQuality
    timings_ms: ClassifyResultTimingsMs
    model_version: str
    n_windows: int
    windows: list[Window] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file

        format_ = self.format_

        sampling_rate_hz = self.sampling_rate_hz

        header = self.header.to_dict()

        leads = self.leads

        label = self.label.value

        top_class = self.top_class.value

        confidence = self.confidence

        probabilities = self.probabilities.to_dict()

        burden = self.burden.to_dict()

        longest_arr_run_s = self.longest_arr_run_s

        decided_by = self.decided_by

        quality = self.quality.to_dict()

        timings_ms = self.timings_ms.to_dict()

        model_version = self.model_version

        n_windows = self.n_windows

        windows: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.windows, Unset):
            windows = []
            for windows_item_data in self.windows:
                windows_item = windows_item_data.to_dict()
                windows.append(windows_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "format": format_,
                "sampling_rate_hz": sampling_rate_hz,
                "header": header,
                "leads": leads,
                "label": label,
                "top_class": top_class,
                "confidence": confidence,
                "probabilities": probabilities,
                "burden": burden,
                "longest_arr_run_s": longest_arr_run_s,
                "decided_by": decided_by,
                "quality": quality,
                "timings_ms": timings_ms,
                "model_version": model_version,
                "n_windows": n_windows,
            }
        )
        if windows is not UNSET:
            field_dict["windows"] = windows

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.classify_result_burden import ClassifyResultBurden  # noqa: PLC0415
        from ..models.classify_result_probabilities import ClassifyResultProbabilities  # noqa: PLC0415
        from ..models.classify_result_quality import ClassifyResultQuality  # noqa: PLC0415
        from ..models.classify_result_timings_ms import ClassifyResultTimingsMs  # noqa: PLC0415
        from ..models.recording_header import RecordingHeader  # noqa: PLC0415
        from ..models.window import Window  # noqa: PLC0415

        d = dict(src_dict)
        file = d.pop("file")

        format_ = d.pop("format")

        sampling_rate_hz = d.pop("sampling_rate_hz")

        header = RecordingHeader.from_dict(d.pop("header"))

        leads = cast(list[str], d.pop("leads"))

        label = LabelEnum(d.pop("label"))

        top_class = RhythmClassEnum(d.pop("top_class"))

        confidence = d.pop("confidence")

        probabilities = ClassifyResultProbabilities.from_dict(d.pop("probabilities"))

        burden = ClassifyResultBurden.from_dict(d.pop("burden"))

        longest_arr_run_s = d.pop("longest_arr_run_s")

        decided_by = d.pop("decided_by")

        quality = ClassifyResultQuality.from_dict(d.pop("quality"))

        timings_ms = ClassifyResultTimingsMs.from_dict(d.pop("timings_ms"))

        model_version = d.pop("model_version")

        n_windows = d.pop("n_windows")

        _windows = d.pop("windows", UNSET)
        windows: list[Window] | Unset = UNSET
        if _windows is not UNSET:
            windows = []
            for windows_item_data in _windows:
                windows_item = Window.from_dict(windows_item_data)

                windows.append(windows_item)

        classify_result = cls(
            file=file,
            format_=format_,
            sampling_rate_hz=sampling_rate_hz,
            header=header,
            leads=leads,
            label=label,
            top_class=top_class,
            confidence=confidence,
            probabilities=probabilities,
            burden=burden,
            longest_arr_run_s=longest_arr_run_s,
            decided_by=decided_by,
            quality=quality,
            timings_ms=timings_ms,
            model_version=model_version,
            n_windows=n_windows,
            windows=windows,
        )

        classify_result.additional_properties = d
        return classify_result

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
