"""The API docs page (/api/v1/docs/) renders its operations under the app's CSP, from
vendored assets only, with no CSP violation in the console."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_csp(page, live_server, screenshot):
    problems: list[str] = []
    outside: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="WaveCardio API")).to_be_visible()
    # The operations are listed (from /api/v1/schema/): upload, long-poll, FHIR, classify.
    for operation in (
        "/api/v1/recordings/",
        "/api/v1/recordings/{id}/status/",
        "/api/v1/recordings/{id}/fhir/",
        "/api/v1/classify/",
    ):
        expect(
            page.locator(f'.opblock-summary-path[data-path="{operation}"]').first
        ).to_be_visible()
    page.locator('.opblock-summary-path[data-path="/api/v1/classify/"]').first.click()
    expect(page.get_by_text("Classify a short signal without storing it").first).to_be_visible()
    screenshot("api-docs")
    assert not [text for text in problems if "Content Security Policy" in text], problems
    assert problems == []
    assert outside == []  # nothing from a CDN or any other host
