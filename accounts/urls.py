from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("no-access/", views.no_access, name="no_access"),
]
