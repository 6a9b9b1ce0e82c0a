"""The access layer: every action x role x ownership, through restrict() and get_for()."""

import pytest

from accounts.roles import Role
from classifier.access import RecordingAction
from classifier.core.errors import NotFound, PermissionDenied
from classifier.models import Recording
from tests.factories import RecordingFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOW, HIDDEN, DENIED = "allow", "404", "403"
VIEW, DOWNLOAD, DELETE, OVERREAD = (
    RecordingAction.VIEW,
    RecordingAction.DOWNLOAD,
    RecordingAction.DELETE,
    RecordingAction.OVERREAD,
)

# (role, owns the recording) -> outcome per action
EXPECTED = {
    (Role.CLINICIAN, True): {VIEW: ALLOW, DOWNLOAD: ALLOW, DELETE: ALLOW, OVERREAD: DENIED},
    (Role.CLINICIAN, False): {VIEW: HIDDEN, DOWNLOAD: HIDDEN, DELETE: HIDDEN, OVERREAD: HIDDEN},
    (Role.REVIEWER, True): {VIEW: ALLOW, DOWNLOAD: ALLOW, DELETE: ALLOW, OVERREAD: ALLOW},
    (Role.REVIEWER, False): {VIEW: ALLOW, DOWNLOAD: ALLOW, DELETE: DENIED, OVERREAD: ALLOW},
    (Role.AUDITOR, False): dict.fromkeys(RecordingAction, HIDDEN),
    (Role.OPERATOR, False): dict.fromkeys(RecordingAction, HIDDEN),
    (Role.ADMIN, False): dict.fromkeys(RecordingAction, HIDDEN),
    (None, False): dict.fromkeys(RecordingAction, HIDDEN),
}
CASES = [
    (role, owns, action, outcome)
    for (role, owns), outcomes in EXPECTED.items()
    for action, outcome in outcomes.items()
]


@pytest.mark.parametrize(("role", "owns", "action", "outcome"), CASES)
def test_each_action_for_each_role_and_owner(role, owns, action, outcome):
    actor = UserFactory(roles=[role] if role else [])
    recording = RecordingFactory.create(owner=actor) if owns else RecordingFactory.create()

    restricted = Recording.objects.restrict(actor, action)
    assert restricted.filter(pk=recording.pk).exists() == (outcome == ALLOW)
    if outcome == ALLOW:
        assert Recording.objects.get_for(actor, recording.pk, action) == recording
    else:
        expected = NotFound if outcome == HIDDEN else PermissionDenied
        with pytest.raises(expected):
            Recording.objects.get_for(actor, recording.pk, action)


def test_an_inactive_owner_may_do_nothing():
    recording = RecordingFactory.create()
    recording.owner.is_active = False
    for action in RecordingAction:
        assert not Recording.objects.restrict(recording.owner, action).exists()


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", None])
def test_unknown_or_malformed_ids_are_not_found(bad_id, clinician):
    with pytest.raises(NotFound):
        Recording.objects.get_for(clinician, bad_id)
