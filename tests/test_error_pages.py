"""Pages answer errors with the site's own styled pages (base.html), APIs with problem JSON."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import RecordingFactory

pytestmark = pytest.mark.django_db


def test_403_is_a_styled_page(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("classifier:recording_list"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in page and "css/app.css" in page
    assert "decision support" in page  # base.html's footer


def test_404_is_a_styled_page(clinician_client):
    response = clinician_client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and "Nothing here" in page and "css/app.css" in page


def test_400_shows_the_domain_message(clinician_client):
    response = clinician_client.get(reverse("classifier:patient_detail", args=["a b"]))
    page = response.content.decode()
    assert response.status_code == 400 and "is not valid" in page and "css/app.css" in page


def test_500_is_a_styled_page(clinician, monkeypatch):
    from classifier import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "displayed_prediction", broken)
    client = Client(raise_request_exception=False)
    client.force_login(clinician)
    recording = RecordingFactory.create(owner=clinician)
    response = client.get(reverse("classifier:recording_detail", args=[recording.pk]))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "css/app.css" in page
    assert "boom" not in page
