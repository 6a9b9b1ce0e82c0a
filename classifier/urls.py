from django.urls import path, re_path

from classifier import views

app_name = "classifier"

urlpatterns = [
    path("recordings/", views.recording_list, name="recording_list"),
    path("recordings/export.csv", views.recording_export, name="recording_export"),
    path("recordings/upload/", views.recording_upload, name="recording_upload"),
    path("recordings/<uuid:recording_id>/", views.recording_detail, name="recording_detail"),
    path(
        "recordings/<uuid:recording_id>/download/",
        views.recording_download,
        name="recording_download",
    ),
    path(
        "recordings/<uuid:recording_id>/report.pdf",
        views.recording_report,
        name="recording_report",
    ),
    path("recordings/<uuid:recording_id>/delete/", views.recording_delete, name="recording_delete"),
    path(
        "recordings/<uuid:recording_id>/overread/",
        views.recording_overread,
        name="recording_overread",
    ),
    path(
        "recordings/<uuid:recording_id>/overread/amend/",
        views.recording_overread_amend,
        name="recording_overread_amend",
    ),
    path(
        "recordings/<uuid:recording_id>/patient/",
        views.recording_patient_edit,
        name="recording_patient_edit",
    ),
    path("review/", views.worklist, name="worklist"),
    path("patients/<str:patient_ref>/", views.patient_detail, name="patient_detail"),
    path("models/", views.model_version_list, name="model_version_list"),
    path("models/active/", views.model_card, name="model_card_active"),
    path("models/<str:name>/", views.model_card, name="model_card"),
    re_path(
        r"^models/(?P<name>[^/]+)/(?P<change>activate|shadow|unshadow)/$",
        views.model_version_change,
        name="model_version_change",
    ),
]
