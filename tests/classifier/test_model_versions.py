"""Admins compare, shadow and activate model versions; clinicians read the card."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from classifier import selectors
from classifier.models import ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate():
    active = ModelVersion.objects.get(is_active=True)
    return ModelVersion.objects.create(
        name="candidate-v2", card_file=active.card_file, sha256=active.sha256
    )


@pytest.fixture
def legacy():
    """Model v4 (recording labels, the candidates study), still selectable."""
    version = ModelVersion.objects.get(name="wavecardio-cnn-v4")
    return version, json.loads(version.card_path.read_text())


def test_admin_compares_versions(client, admin_user, candidate, legacy):
    client.force_login(admin_user)
    page = client.get(reverse("classifier:model_version_list")).content.decode()
    assert "candidate-v2" in page and "Run in shadow" in page
    version, card = legacy
    figures = card["cv"]["shipped"]["per_recording"]
    assert f"{100 * figures['arr_vs_nsr']['accuracy']:.1f} %" in page  # from the card's CV
    shown = client.get(reverse("classifier:model_version_list"), {"show": version.name})
    card_page = shown.content.decode()
    assert "Limits" in card_page and "Shortcut audit" in card_page
    assert "demo-224-image-cnn" in card_page  # the candidates table
    cv = card["cv"]
    assert f"Computed on {cv['computed_on']['cpu']}" in card_page  # exact reproduction needs it
    check = cv["fold_assignment_check"][0][cv["shipped_candidate"]]  # the split's noise
    shown_figure = check["arr_vs_nsr_per_recording_accuracy"]["value"]
    assert f"folds (seed 1): {100 * shown_figure:.1f} % per recording" in card_page
    assert escape(cv["selection_note"]) in card_page  # as HTML shows it


def test_the_card_page_shows_the_rhythm_evaluations(client, clinician):
    """Model v5's card: every evaluation (CV, leave-one-database-out, shortcut control),
    the targets with met or not, the label rule, the recording rule and CHF as it stands."""
    version = ModelVersion.objects.get(name="wavecardio-cnn-v5")
    card = json.loads(version.card_path.read_text())
    client.force_login(clinician)
    page = client.get(reverse("classifier:model_card", args=[version.name])).content.decode()
    rows = selectors.evaluation_rows(card)
    methods = {row["method"] for row in rows}
    assert {"cross-validation", "leave-one-database-out", "shortcut control"} <= methods
    assert page.count("<tr><td>cross-validation</td>") == sum(
        row["method"] == "cross-validation" for row in rows
    )
    mitdb = card["evaluation"]["mitdb_per_window"]["top_class"]["balanced_accuracy"]["value"]
    assert f"{100 * mitdb:.1f} %" in page
    assert escape(card["label_rule"]) in page
    assert escape(card["decision"]["rule"]) in page
    for target in card["evaluation"]["targets"]:
        assert escape(target["name"]) in page
    assert page.count("<strong>not met</strong>") == sum(
        t["met"] is False for t in card["evaluation"]["targets"]
    )
    assert "CHF as it stands" in page
    titles = {(row["method"], row["title"]) for row in rows}
    assert ("leave-one-database-out", "CinC 2017 (AliveCor) per recording") in titles
    assert ("leave-one-database-out", "MIT-BIH per 8-s window, every lead (annotations)") in titles


def test_the_card_page_shows_the_rhythm_stage_and_what_it_adds(client, clinician):
    """From v7: the trees after the network are described, and the same cross-validation
    scored by the network alone sits beside the whole model's."""
    version = ModelVersion.objects.get(name="wavecardio-cnn-v7")
    card = json.loads(version.card_path.read_text())
    client.force_login(clinician)
    page = client.get(reverse("classifier:model_card", args=[version.name])).content.decode()
    assert f"{card['rhythm_stage']['trees']} gradient-boosted trees" in page
    alone = [r for r in selectors.evaluation_rows(card) if r["method"].endswith("network alone")]
    assert alone
    assert page.count("<tr><td>cross-validation, network alone</td>") == len(alone)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("wavecardio-cnn-v8", "detected once over all of a recording's leads"),
        ("wavecardio-cnn-v7", "detected on each lead on its own"),
    ],
)
def test_the_card_page_says_where_the_r_peaks_come_from(client, clinician, name, says):
    client.force_login(clinician)
    page = client.get(reverse("classifier:model_card", args=[name])).content.decode()
    assert f'id="r-peaks"><strong>R-peaks</strong>: {says}' in page


def test_the_card_page_says_which_models_read_the_other_leads(client, clinician):
    client.force_login(clinician)
    pages = {
        name: client.get(reverse("classifier:model_card", args=[name])).content.decode()
        for name in ("wavecardio-cnn-v10", "wavecardio-cnn-v9")
    }
    v10, v9 = pages["wavecardio-cnn-v10"], pages["wavecardio-cnn-v9"]
    assert "read its logits and 81 rhythm features per window" in v10
    assert 'id="cross-lead">, and what the recording\'s other leads saw' in v10
    assert "read its logits and 81 rhythm features per window" in v9
    assert 'id="cross-lead"' not in v9


def test_admin_shadows_then_activates(client, admin_user, candidate):
    client.force_login(admin_user)
    url = reverse("classifier:model_version_change", args=["candidate-v2", "shadow"])
    page = client.post(url, follow=True).content.decode()
    assert "candidate-v2 now runs in shadow mode: its answers are stored, never shown." in page
    assert "shadow done" not in page
    candidate.refresh_from_db()
    assert candidate.is_shadow and not candidate.is_active
    client.post(reverse("classifier:model_version_change", args=["candidate-v2", "activate"]))
    candidate.refresh_from_db()
    assert candidate.is_active and not candidate.is_shadow
    assert ModelVersion.objects.filter(is_active=True).count() == 1
    actions = set(AuditEvent.objects.filter(actor=admin_user).values_list("action", flat=True))
    assert {"model_version_shadowed", "model_version_activated"} <= actions


def test_clinician_reads_card_but_cannot_manage(client, clinician, candidate):
    client.force_login(clinician)
    page = client.get(reverse("classifier:model_card_active")).content.decode()
    assert "Limits" in page and "patients" in page.lower()
    assert client.get(reverse("classifier:model_version_list")).status_code == 403
    url = reverse("classifier:model_version_change", args=["candidate-v2", "activate"])
    assert client.post(url).status_code == 403
    candidate.refresh_from_db()
    assert not candidate.is_active


def test_unknown_version_is_404(client, admin_user):
    client.force_login(admin_user)
    url = reverse("classifier:model_version_change", args=["nope", "activate"])
    assert client.post(url).status_code == 404


def test_model_versions_command_lists_and_activates(candidate, capsys):
    call_command("model_versions", "--shadow", "candidate-v2")
    out = capsys.readouterr().out
    assert "candidate-v2" in out and "shadow" in out
    call_command("model_versions", "--activate", "candidate-v2")
    assert ModelVersion.objects.get(is_active=True) == candidate


def test_model_versions_command_unknown_name(candidate):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown model version"):
        call_command("model_versions", "--activate", "nope")


def test_the_card_file_is_the_one_copy_of_the_card(candidate):
    """The database keeps no copy that could drift: pages read the card from its file."""
    version = selectors.active_model_version()
    assert version is not None
    assert "card" not in {field.name for field in type(version)._meta.get_fields()}
    assert selectors.card_fields(version) == json.loads(version.card_path.read_text())
