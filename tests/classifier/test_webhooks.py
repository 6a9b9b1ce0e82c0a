"""Webhooks (issue 16, point 9): a registered URL gets a signed POST (no clinical content)
when a prediction of its owner's recordings finishes; failures are retried with backoff and
logged; only HTTPS URLs on hosts an administrator allowed."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from audit.models import AuditEvent
from classifier import services, tasks
from classifier.models import Webhook, WebhookDelivery
from tests.classifier.test_api_contract import assert_problem
from tests.classifier.test_services import upload_of

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit sends the notifications

HOOKS = "/api/v1/webhooks/"


class Receiver:
    """An integrator's endpoint on 127.0.0.1: records each POST, answers the next status."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.received.append((headers, body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/wavecardio"


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WAVECARDIO = {
        **settings.WAVECARDIO,
        "WEBHOOK_ALLOWED_HOSTS": ["127.0.0.1"],
        "WEBHOOK_ALLOW_HTTP": True,  # plain HTTP for this loopback receiver only
    }
    endpoint = Receiver()
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def register(client, url) -> dict:
    response = client.post(HOOKS, {"url": url}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_finished_prediction_is_notified_signed(
    clinician_client, clinician, receiver, recording_path
):
    hook = register(clinician_client, receiver.url)
    assert len(hook["secret"]) == 64
    assert "secret" not in clinician_client.get(HOOKS).json()[0]  # shown once
    recording = services.recording_create(
        owner=clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )

    [(headers, body)] = receiver.received
    sent = json.loads(body)
    assert sent["event"] == "prediction.finished"
    assert sent["recording"] == str(recording.pk)
    assert sent["status"] == "done"
    assert sent["detail_path"] == f"/api/v1/recordings/{recording.pk}/"
    assert set(sent) == {"delivery", "event", "recording", "status", "detail_path"}  # no label
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["x-wavecardio-signature"].split(",")
    )
    expected = hmac.new(hook["secret"].encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())

    [logged] = clinician_client.get(f"{HOOKS}{hook['id']}/deliveries/").json()
    assert logged["status"] == "delivered"
    assert logged["attempts"] == 1
    assert logged["response_status"] == 204


def test_failures_are_retried_with_backoff_then_logged(
    clinician, receiver, recording_path, monkeypatch
):
    services.webhook_create(owner=clinician, url=receiver.url)
    receiver.answers = [500, 503]  # then 204
    countdowns: list[float | None] = []
    original_retry = tasks.deliver_webhook.retry

    def retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original_retry(*args, **kwargs)

    monkeypatch.setattr(tasks.deliver_webhook, "retry", retry)
    services.recording_create(
        owner=clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 204)
    assert len(receiver.received) == 3
    assert countdowns == [30, 60]  # exponential backoff between the attempts


def test_a_dead_endpoint_is_marked_failed_after_the_last_attempt(
    clinician, receiver, recording_path
):
    services.webhook_create(owner=clinician, url=receiver.url)
    receiver.answers = [500] * services.WEBHOOK_ATTEMPTS
    services.recording_create(
        owner=clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts == services.WEBHOOK_ATTEMPTS
    assert delivery.error == "HTTP 500"


def test_only_allowed_https_hosts(clinician_client, settings):
    settings.WAVECARDIO = {**settings.WAVECARDIO, "WEBHOOK_ALLOWED_HOSTS": ["hooks.example.org"]}
    for url in (
        "http://hooks.example.org/x",
        "https://169.254.169.254/latest",
        "ftp://hooks.example.org/",
    ):
        response = clinician_client.post(HOOKS, {"url": url}, content_type="application/json")
        assert_problem(response, 400)
    assert register(clinician_client, "https://hooks.example.org/wavecardio")["url"].startswith(
        "https://"
    )
    assert AuditEvent.objects.filter(action="webhook_created").count() == 1


def test_webhooks_are_private_and_deletable(client, clinician, other_clinician, receiver, auditor):
    hook = services.webhook_create(owner=clinician, url=receiver.url)
    client.force_login(other_clinician)
    assert client.get(HOOKS).json() == []
    assert_problem(client.get(f"{HOOKS}{hook.pk}/deliveries/"), 404)
    assert_problem(client.delete(f"{HOOKS}{hook.pk}/"), 404)
    client.force_login(auditor)
    assert_problem(client.get(HOOKS), 403)
    client.force_login(clinician)
    assert client.delete(f"{HOOKS}{hook.pk}/").status_code == 204
    assert not Webhook.objects.exists()
    assert AuditEvent.objects.filter(action="webhook_deleted").count() == 1


def test_at_most_five_per_user(clinician, receiver):
    for _ in range(services.MAX_WEBHOOKS_PER_USER):
        services.webhook_create(owner=clinician, url=receiver.url)
    with pytest.raises(services.Conflict):
        services.webhook_create(owner=clinician, url=receiver.url)


def test_other_owners_recordings_notify_nobody_here(
    clinician, other_clinician, receiver, recording_path
):
    services.webhook_create(owner=clinician, url=receiver.url)
    services.recording_create(
        owner=other_clinician, upload=upload_of(recording_path), sampling_rate_hz=128
    )
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()
