"""The pure core imports without Django settings and without TensorFlow (import-linter
checks the import graph; this checks what importing actually loads)."""

import subprocess
import sys

from tests.conftest import REPO

CORE_MODULES = ("card", "cwt", "envelope", "errors", "features", "heart", "model", "pipeline",
                "plotting", "rhythm", "signal")  # fmt: skip


def test_the_core_loads_neither_django_nor_tensorflow():
    imports = "; ".join(f"import classifier.core.{name}" for name in CORE_MODULES)
    check = (
        f"import sys; {imports}; "
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'django', 'tensorflow', 'keras', 'rest_framework', 'celery'}); "
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin"},  # no DJANGO_SETTINGS_MODULE
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
