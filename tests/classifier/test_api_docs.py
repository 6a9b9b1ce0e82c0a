"""/api/v1/docs/ under the CSP: no inline script or style; its init script is a separate
same-origin file (the browser check is tests/e2e/test_api_docs.py)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_docs_page_has_no_inline_script_or_style(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert "cdn" not in html.lower()
    [init] = [attrs for attrs, _ in scripts if "script=" in attrs]
    source = re.search(r'src="([^"]+)"', init)
    assert source is not None
    init_url = source.group(1).replace("&amp;", "&")
    script = client.get(init_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()
