"""Reviewers sign over-reads (one per reviewer and prediction), then amend them with a reason;
web and API follow the same rules; clinicians cannot; every step audited."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from classifier import services
from classifier.models import OverRead, OverReadAmendment
from tests.factories import OverReadFactory, PredictionFactory, RecordingFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PROBLEM = "application/problem+json"


@pytest.fixture
def recording(clinician, recording_path):
    return services.recording_create(
        sampling_rate_hz=128.0,
        owner=clinician,
        upload=SimpleUploadedFile("r.npy", recording_path.read_bytes()),
    )


def test_the_form_starts_empty_and_offers_non_diagnostic(client, reviewer, recording):
    client.force_login(reviewer)
    page = client.get(reverse("classifier:recording_detail", args=[recording.pk])).content.decode()
    form = page[page.index('name="label"') : page.index("</select>", page.index('name="label"'))]
    assert '<option value="" selected>— choose —</option>' in form
    assert 'value="non-diagnostic"' in form and 'value="ARR"' in form
    assert "selected" not in form.replace('<option value="" selected>', "")


def test_reviewer_signs_then_amends_on_the_result_page(client, reviewer, recording):
    client.force_login(reviewer)
    prediction = recording.predictions.get()
    other = next(c for c in ("ARR", "CHF", "NSR") if c != prediction.label)
    url = reverse("classifier:recording_overread", args=[recording.pk])
    unsigned = client.post(url, {"label": other}, follow=True).content.decode()
    assert "tick the box to sign" in unsigned and not OverRead.objects.exists()
    page = client.post(
        url, {"label": other, "comment": "P waves absent", "signed": "on"}, follow=True
    )
    text = page.content.decode()
    assert "Over-read signed" in text and "P waves absent" in text
    assert f"Signed by {reviewer.username}" in text
    overread = OverRead.objects.get()
    assert (overread.reviewer, overread.label, overread.agrees) == (reviewer, other, False)

    # A second sign-off is refused: the signed over-read is locked.
    again = client.post(url, {"label": prediction.top_class, "signed": "on"}, follow=True)
    again = again.content.decode()
    assert "already signed" in again
    assert OverRead.objects.get().label == other

    amend = reverse("classifier:recording_overread_amend", args=[recording.pk])
    no_reason = client.post(amend, {"label": "non-diagnostic", "signed": "on"}, follow=True)
    no_reason = no_reason.content.decode()
    assert "not saved" in no_reason and OverRead.objects.get().label == other
    text = client.post(
        amend,
        {"label": "non-diagnostic", "reason": "baseline wander hides P waves", "signed": "on"},
        follow=True,
    ).content.decode()
    assert "Over-read amended" in text and "baseline wander hides P waves" in text
    overread.refresh_from_db()
    assert overread.label == "non-diagnostic" and overread.amended_at is not None
    change = OverReadAmendment.objects.get()
    assert (change.previous_label, change.label) == (other, "non-diagnostic")
    actions = list(
        AuditEvent.objects.filter(action__startswith="overread")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["overread_recorded", "overread_amended"]
    amended = AuditEvent.objects.get(action="overread_amended")
    assert amended.details["reason"] == "baseline wander hides P waves"
    assert amended.details["previous_label"] == other


def test_the_database_keeps_one_overread_per_reviewer(reviewer):
    from django.db import IntegrityError, transaction

    first = OverReadFactory.create(reviewer=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        OverReadFactory.create(reviewer=reviewer, prediction=first.prediction)
    OverReadFactory.create(prediction=first.prediction)  # another reviewer may
    assert first.prediction.overreads.count() == 2


def test_api_second_post_is_409_pointing_to_patch(client, reviewer, recording):
    client.force_login(reviewer)
    prediction = recording.predictions.get()
    url = f"/api/v1/recordings/{recording.pk}/overread/"
    first = client.post(url, {"label": prediction.top_class}, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["signed_at"] and first.json()["amendments"] == []
    second = client.post(url, {"label": "non-diagnostic"}, content_type="application/json")
    assert second.status_code == 409 and second["Content-Type"] == PROBLEM
    assert f"PATCH http://testserver{url}" in second.json()["detail"]
    assert OverRead.objects.count() == 1

    missing = client.patch(url, {"label": "ARR"}, content_type="application/json")
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} == {"reason"}
    amended = client.patch(
        url, {"label": "non-diagnostic", "reason": "noise"}, content_type="application/json"
    )
    assert amended.status_code == 200, amended.content
    body = amended.json()
    assert body["label"] == "non-diagnostic" and body["agrees"] is False
    assert body["amendments"][0]["reason"] == "noise"
    assert body["amendments"][0]["previous_label"] == prediction.top_class
    detail = client.get(f"/api/v1/recordings/{recording.pk}/").json()
    assert detail["overread_status"] == "amended" and detail["signed_by"] == reviewer.username


def test_api_amend_without_a_signed_overread_is_404(client, reviewer):
    prediction = PredictionFactory.create()
    client.force_login(reviewer)
    response = client.patch(
        f"/api/v1/recordings/{prediction.recording.pk}/overread/",
        {"label": "ARR", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404 and "sign one first" in response.json()["detail"]


def test_bad_label_is_refused(client, reviewer, recording):
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/recordings/{recording.pk}/overread/",
        {"label": "MI"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not OverRead.objects.exists()


def test_clinician_cannot_overread_even_own_recording(client, clinician, recording):
    client.force_login(clinician)
    url = f"/api/v1/recordings/{recording.pk}/overread/"
    assert client.post(url, {"label": "NSR"}, content_type="application/json").status_code == 403
    web = reverse("classifier:recording_overread", args=[recording.pk])
    assert client.post(web, {"label": "NSR", "signed": "on"}).status_code == 403
    assert not OverRead.objects.exists()


def _aged(prediction, days: int):
    recording = prediction.recording
    recording.uploaded_at = timezone.now() - dt.timedelta(days=days)
    recording.save(update_fields=["uploaded_at"])
    return recording


def test_worklist_puts_uncertain_and_arr_first_then_oldest(client, reviewer):
    old_nsr = _aged(PredictionFactory.create(label="NSR"), 30)
    new_arr = _aged(PredictionFactory.create(label="ARR", top_class="ARR"), 1)
    old_uncertain = _aged(PredictionFactory.create(label="uncertain"), 10)
    new_nsr = _aged(PredictionFactory.create(label="NSR"), 2)
    signed = _aged(PredictionFactory.create(label="ARR"), 40)
    OverReadFactory.create(prediction=signed.predictions.get(), label="ARR")
    client.force_login(reviewer)
    response = client.get(reverse("classifier:worklist"))
    assert response.status_code == 200
    order = [row.original_filename for row, _ in response.context["rows"]]
    expected = [old_uncertain, new_arr, old_nsr, new_nsr]
    assert order == [r.original_filename for r in expected]
    assert AuditEvent.objects.filter(action="worklist_viewed", actor=reviewer).count() == 1


def test_worklist_is_for_reviewers_only(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("classifier:worklist")).status_code == 403


def test_lists_show_overread_status_and_who_signed(client, reviewer):
    prediction = PredictionFactory.create()
    OverReadFactory.create(prediction=prediction, reviewer=UserFactory.create(username="dr.hale"))
    client.force_login(reviewer)
    page = client.get(reverse("classifier:recording_list")).content.decode()
    assert "signed by dr.hale" in page
    listed = client.get("/api/v1/recordings/").json()["results"][0]
    assert (listed["overread_status"], listed["signed_by"]) == ("signed", "dr.hale")


def test_reviewer_sees_no_delete_button_on_others_recordings(client, reviewer, clinician):
    other = PredictionFactory.create(recording=RecordingFactory.create(owner=clinician))
    client.force_login(reviewer)
    page = client.get(reverse("classifier:recording_detail", args=[other.recording.pk]))
    assert ">Delete</button>" not in page.content.decode()
    client.force_login(clinician)
    page = client.get(reverse("classifier:recording_detail", args=[other.recording.pk]))
    assert ">Delete</button>" in page.content.decode()


def test_migration_folds_repeated_overreads_into_amendments(reviewer):
    """Before 0007 a reviewer could leave many over-reads of one prediction: the migration
    keeps the first as the signed one, the later ones as its amendments, ending on the last."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("classifier", "0006_idempotent_request")]
    after = [("classifier", "0007_workspace_patient_overread_signoff")]
    prediction = PredictionFactory.create()
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldOverRead = old.get_model("classifier", "OverRead")
    for label, comment in (("ARR", "first"), ("NSR", "second"), ("CHF", "third")):
        OldOverRead.objects.create(
            prediction_id=prediction.pk, reviewer_id=reviewer.pk, agrees=False, label=label,
            comment=comment,
        )  # fmt: skip
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(after)
        overread = OverRead.objects.get()
        assert (overread.label, overread.comment) == ("CHF", "third")
        assert [(a.previous_label, a.label) for a in overread.amendments.all()] == [
            ("ARR", "NSR"),
            ("NSR", "CHF"),
        ]
        assert all("folded by migration" in a.reason for a in overread.amendments.all())
    finally:  # back to the newest schema (the other 0007s too) for the tests after this one
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_serializer_reads_the_status_of_a_plain_recording(reviewer):
    """Code serialising a recording fetched without the summary annotations still gets them."""
    from classifier.api.serializers import RecordingSerializer
    from classifier.models import Recording

    prediction = PredictionFactory.create()
    OverReadFactory.create(prediction=prediction, reviewer=reviewer)
    plain = Recording.objects.get(pk=prediction.recording.pk)
    data = RecordingSerializer(plain).data
    assert (data["overread_status"], data["signed_by"]) == ("signed", reviewer.username)
