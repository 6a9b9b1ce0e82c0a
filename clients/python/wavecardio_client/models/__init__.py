"""Contains all the data models used in inputs/outputs"""

from .blank_enum import BlankEnum
from .classify_file_request import ClassifyFileRequest
from .classify_result import ClassifyResult
from .classify_result_burden import ClassifyResultBurden
from .classify_result_probabilities import ClassifyResultProbabilities
from .classify_result_quality import ClassifyResultQuality
from .classify_result_timings_ms import ClassifyResultTimingsMs
from .classify_signal_request import ClassifySignalRequest
from .field_error import FieldError
from .label_enum import LabelEnum
from .model_version import ModelVersion
from .model_version_detail import ModelVersionDetail
from .model_version_detail_card import ModelVersionDetailCard
from .over_read import OverRead
from .over_read_amendment import OverReadAmendment
from .over_read_label_enum import OverReadLabelEnum
from .over_read_request import OverReadRequest
from .overread_status_enum import OverreadStatusEnum
from .paginated_recording_list import PaginatedRecordingList
from .patched_over_read_amend_request import PatchedOverReadAmendRequest
from .patched_patient_request import PatchedPatientRequest
from .patient_sex_enum import PatientSexEnum
from .prediction import Prediction
from .prediction_burden import PredictionBurden
from .prediction_detail import PredictionDetail
from .prediction_detail_burden import PredictionDetailBurden
from .prediction_detail_probabilities import PredictionDetailProbabilities
from .prediction_detail_quality import PredictionDetailQuality
from .prediction_detail_timings_ms import PredictionDetailTimingsMs
from .prediction_probabilities import PredictionProbabilities
from .prediction_quality import PredictionQuality
from .prediction_status_enum import PredictionStatusEnum
from .prediction_timings_ms import PredictionTimingsMs
from .problem import Problem
from .quality_enum import QualityEnum
from .recording import Recording
from .recording_detail import RecordingDetail
from .recording_header import RecordingHeader
from .recording_status import RecordingStatus
from .recording_status_status_enum import RecordingStatusStatusEnum
from .recording_upload_request import RecordingUploadRequest
from .recording_uploaded import RecordingUploaded
from .recordings_fhir_retrieve_response_200 import RecordingsFhirRetrieveResponse200
from .recordings_list_ordering_item import RecordingsListOrderingItem
from .recordings_list_overread import RecordingsListOverread
from .recordings_list_status import RecordingsListStatus
from .rhythm import Rhythm
from .rhythm_class_enum import RhythmClassEnum
from .rr_intervals import RRIntervals
from .signal import Signal
from .webhook import Webhook
from .webhook_create_request import WebhookCreateRequest
from .webhook_created import WebhookCreated
from .webhook_delivery import WebhookDelivery
from .webhook_delivery_status_enum import WebhookDeliveryStatusEnum
from .window import Window
from .window_page import WindowPage
from .window_probabilities import WindowProbabilities

__all__ = (
    "BlankEnum",
    "ClassifyFileRequest",
    "ClassifyResult",
    "ClassifyResultBurden",
    "ClassifyResultProbabilities",
    "ClassifyResultQuality",
    "ClassifyResultTimingsMs",
    "ClassifySignalRequest",
    "FieldError",
    "LabelEnum",
    "ModelVersion",
    "ModelVersionDetail",
    "ModelVersionDetailCard",
    "OverRead",
    "OverReadAmendment",
    "OverReadLabelEnum",
    "OverReadRequest",
    "OverreadStatusEnum",
    "PaginatedRecordingList",
    "PatchedOverReadAmendRequest",
    "PatchedPatientRequest",
    "PatientSexEnum",
    "Prediction",
    "PredictionBurden",
    "PredictionDetail",
    "PredictionDetailBurden",
    "PredictionDetailProbabilities",
    "PredictionDetailQuality",
    "PredictionDetailTimingsMs",
    "PredictionProbabilities",
    "PredictionQuality",
    "PredictionStatusEnum",
    "PredictionTimingsMs",
    "Problem",
    "QualityEnum",
    "Recording",
    "RecordingDetail",
    "RecordingHeader",
    "RecordingsFhirRetrieveResponse200",
    "RecordingsListOrderingItem",
    "RecordingsListOverread",
    "RecordingsListStatus",
    "RecordingStatus",
    "RecordingStatusStatusEnum",
    "RecordingUploaded",
    "RecordingUploadRequest",
    "Rhythm",
    "RhythmClassEnum",
    "RRIntervals",
    "Signal",
    "Webhook",
    "WebhookCreated",
    "WebhookCreateRequest",
    "WebhookDelivery",
    "WebhookDeliveryStatusEnum",
    "Window",
    "WindowPage",
    "WindowProbabilities",
)
