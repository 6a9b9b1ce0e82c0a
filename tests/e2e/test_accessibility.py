"""Issue 17: an axe-core check of every page a user reaches (each role's pages, the sign-in,
the error pages): no violation of serious or critical impact.

axe-core is vendored from the npm registry under tests/e2e/vendor/axe-core/ (MPL-2.0; test
only, never served). It is injected as a script, so this module's pages bypass the CSP; the
CSP itself is checked by the other browser tests.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from classifier import services
from classifier.core.patient import patient_details
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.id} (${v.impact}): ` +
      v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True}  # to inject axe; CSP tested elsewhere


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def test_every_page_has_no_serious_accessibility_violation(page, live_server, login, ecg_dir):
    everyone = UserFactory.create(
        username="dr.all", roles=[Role.CLINICIAN, Role.REVIEWER, Role.AUDITOR, Role.ADMIN]
    )
    path = ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy"
    recording = services.recording_create(
        owner=everyone,
        upload=SimpleUploadedFile(path.name, path.read_bytes()),
        sampling_rate_hz=128,
        patient=patient_details(ref="MRN-7"),
    )
    page.goto(f"{live_server.url}/login/")
    found = {"login": violations(page)}
    login("dr.all")
    pages = {
        "home": "/",
        "history": "/recordings/",
        "upload": "/recordings/upload/",
        "result": f"/recordings/{recording.pk}/",
        "worklist": "/review/",
        "patient": "/patients/MRN-7/",
        "audit": "/audit/",
        "users": "/accounts/users/",
        "invite": "/accounts/users/invite/",
        "user": f"/accounts/users/{everyone.pk}/",
        "my account": "/accounts/me/",
        "model versions": "/models/",
        "model card": "/models/active/",
        "not found": "/recordings/00000000-0000-0000-0000-000000000000/",
    }
    for name, url in pages.items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        found[name] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_the_check_finds_a_serious_violation(page, live_server):
    """The check above can fail: an image without a text alternative is found."""
    page.goto(f"{live_server.url}/login/")
    page.evaluate(
        "document.body.append(Object.assign(document.createElement('img'), {src: 'x.png'}))"
    )
    assert any(v.startswith("image-alt (critical)") for v in violations(page))
