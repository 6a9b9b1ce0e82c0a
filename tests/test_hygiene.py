"""The test run leaves nothing behind: uploads go under pytest's basetemp, settings create
no temporary folder on import."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.conftest import REPO


def test_media_root_is_under_pytest_basetemp(settings, tmp_path_factory, test_media_root):
    assert Path(settings.MEDIA_ROOT) == test_media_root
    assert test_media_root.is_relative_to(tmp_path_factory.getbasetemp())


def test_uploads_land_in_the_session_media_root(test_media_root):
    name = default_storage.save("hygiene/probe.txt", ContentFile(b"probe"))
    try:
        assert Path(default_storage.path(name)).is_relative_to(test_media_root)
    finally:
        default_storage.delete(name)


def test_importing_the_test_settings_creates_no_folder(tmp_path):
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "MEDIA_ROOT"}
    env.update(TMPDIR=str(scratch), TEMP=str(scratch), TMP=str(scratch))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tempfile, ecgsite.settings.test as s; print(tempfile.gettempdir());"
            " print(s.MEDIA_ROOT)",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    tempdir, media_root = result.stdout.split()
    assert tempdir == str(scratch)  # the child's temporary folder is this empty one
    assert list(scratch.iterdir()) == []
    assert Path(media_root) == REPO / "var" / "test-media"
