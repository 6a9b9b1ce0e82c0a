"""deploy/: the Prometheus config, alert rules and Grafana dashboard are valid and only use
metrics the application really exports. promtool (Debian package `prometheus`) checks the
rules and runs their unit tests when it is installed; the YAML structure is checked always."""

import json
import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO
from tests.monitoring.conftest import TOKEN
from tests.monitoring.promtext import samples

DEPLOY = REPO / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
DASHBOARD = DEPLOY / "grafana" / "wavecardio-dashboard.json"
METRIC = re.compile(r"\b((?:wavecardio|django)_[a-z0-9_]+)")
REQUIRED_ALERTS = {  # error rate, p95 latency, queue backlog, no predictions for a period
    "WaveCardioHighErrorRate",
    "WaveCardioInferenceLatencyHigh",
    "WaveCardioQueueBacklog",
    "WaveCardioNoPredictions",
}


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def test_alert_rules_have_the_required_alerts_and_fields():
    rules = alert_rules()
    assert {r["alert"] for r in rules} >= REQUIRED_ALERTS
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
        assert rule["expr"].strip() and rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0m"))


def test_scrape_config_uses_a_bearer_token_file():
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
    assert job["authorization"]["credentials_file"].startswith("/")
    assert "credentials" not in job["authorization"]  # never the secret itself


def test_dashboard_is_valid_grafana_json():
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert dashboard["uid"] and dashboard["title"] == "WaveCardio"
    for panel in dashboard["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        assert panel["targets"] and all(t["expr"] for t in panel["targets"])


@pytest.mark.django_db
def test_rules_and_dashboard_only_use_exported_metrics(client, clinician, metrics_token):
    client.force_login(clinician)
    client.get("/recordings/")  # some HTTP traffic for django-prometheus' series
    client.logout()
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    exported = {name for name, _ in samples(response.content.decode())}
    used = {m for text in [*(r["expr"] for r in alert_rules()), *dashboard_exprs()]
            for m in METRIC.findall(text)}  # fmt: skip
    assert used - exported == set()
    assert {"wavecardio_uploads_total", "wavecardio_inference_seconds_bucket"} <= used


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60
    )


needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool not installed (apt-get install prometheus)"
)


@needs_promtool
def test_promtool_accepts_the_rules_and_the_config():
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    checked = promtool("check", "config", "--syntax-only", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@needs_promtool
def test_alerts_fire_as_their_unit_tests_expect():
    tested = promtool("test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
