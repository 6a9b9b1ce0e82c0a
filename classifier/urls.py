from django.urls import path

from classifier import views

app_name = "classifier"

urlpatterns = [
    path("", views.recording_list, name="recording_list"),
    path("upload/", views.recording_upload, name="recording_upload"),
    path("<uuid:recording_id>/", views.recording_detail, name="recording_detail"),
    path("<uuid:recording_id>/download/", views.recording_download, name="recording_download"),
    path("<uuid:recording_id>/delete/", views.recording_delete, name="recording_delete"),
]
