"""Issue 18, point 6: backups that have been restored. `make backup` / `make restore`
(deploy/backup.sh, deploy/restore.sh) round-trip the database and the stored recordings;
after a restore the audit chain verifies and every recording's file matches its checksum."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import REPO
from tests.factories import RecordingFactory

BACKUP = REPO / "deploy" / "backup.sh"
RESTORE = REPO / "deploy" / "restore.sh"
CREATE_DATA = """
import django; django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.roles import Role
from classifier import services
from tests.factories import UserFactory
user = UserFactory(roles=[Role.CLINICIAN])
for path in {paths!r}:
    with open(path, "rb") as handle:
        services.recording_create(
            owner=user, upload=SimpleUploadedFile(path, handle.read()), sampling_rate_hz=128
        )
"""


def run(args: list, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def app_env(database_url: str, media_root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        DJANGO_SETTINGS_MODULE="ecgsite.settings.test",
        PYTHON=sys.executable,
    )
    return env


def manage(*args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env, check=check)


def restore_and_verify(backup: Path, env: dict) -> None:
    run([RESTORE, backup], env)
    audit = manage("verify_audit", env=env)
    assert "audit chain intact" in audit.stdout
    files = manage("verify_recordings", env=env)
    assert "recording files intact: 2 checked" in files.stdout


# --- verify_recordings ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_recordings_names_missing_and_altered_files(clinician):
    intact = RecordingFactory.create(owner=clinician)
    altered = RecordingFactory.create(owner=clinician)
    missing = RecordingFactory.create(owner=clinician)
    out = io.StringIO()
    call_command("verify_recordings", stdout=out)
    assert out.getvalue().strip() == "recording files intact: 3 checked"
    with open(altered.file.path, "r+b") as handle:
        handle.seek(-4, os.SEEK_END)
        handle.write(b"\0\0\0\1")  # one flipped sample: a silently corrupted copy
    missing.file.storage.delete(str(missing.file.name))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 of 3 recording files") as failure:
        call_command("verify_recordings", stdout=io.StringIO(), stderr=err)
    assert failure.value.returncode == 1
    assert f"recording {altered.pk}: checksum differs" in err.getvalue()
    assert f"recording {missing.pk}: missing from storage" in err.getvalue()
    assert str(intact.pk) not in err.getvalue()


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_sqlite_backup_restores_into_a_fresh_database(tmp_path, recording_path, lead_off_path):
    source = app_env(f"sqlite:///{tmp_path / 'source.sqlite3'}", tmp_path / "media")
    manage("migrate", "--noinput", env=source)
    paths = [str(recording_path), str(lead_off_path)]
    run([sys.executable, "-c", CREATE_DATA.format(paths=paths)], source)
    made = run([BACKUP, tmp_path / "backups"], source)
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert {p.name for p in backup.iterdir()} == {"db.sqlite3", "media.tar.gz", "SHA256SUMS"}

    fresh = app_env(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "restored-media")
    restore_and_verify(backup, fresh)
    assert run([RESTORE, backup], fresh, check=False).returncode == 2  # never over a database

    # A damaged backup is refused before anything is touched.
    with open(backup / "media.tar.gz", "ab") as handle:
        handle.write(b"garbage")
    other = app_env(f"sqlite:///{tmp_path / 'other.sqlite3'}", tmp_path / "other-media")
    refused = run([RESTORE, backup], other, check=False)
    assert refused.returncode == 3 and "SHA256SUMS" in refused.stderr
    assert not (tmp_path / "other.sqlite3").exists()


@pytest.mark.services
@pytest.mark.slow
def test_postgresql_backup_restores_into_a_fresh_database(
    transactional_db, tmp_path, test_media_root, recording_path, lead_off_path
):
    """pg_dump of the lane's test database, pg_restore into a new database created for the
    test (dropped after it), then verify_audit and verify_recordings against the restore."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from accounts.roles import Role
    from classifier import services
    from tests.factories import UserFactory

    user = UserFactory(roles=[Role.CLINICIAN])
    for path in (recording_path, lead_off_path):
        services.recording_create(
            owner=user,
            upload=SimpleUploadedFile(path.name, path.read_bytes()),
            sampling_rate_hz=128,
        )
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    source = app_env(f"{base}/{connection.settings_dict['NAME']}", test_media_root)
    made = run([BACKUP, tmp_path / "backups"], source)
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert {p.name for p in backup.iterdir()} == {"db.dump", "media.tar.gz", "SHA256SUMS"}

    fresh_name = f"wavecardio_restore_{os.getpid()}"
    admin = f"{base}/postgres"
    run(["psql", admin, "-qc", f"CREATE DATABASE {fresh_name}"], dict(os.environ))
    try:
        fresh = app_env(f"{base}/{fresh_name}", tmp_path / "restored-media")
        restore_and_verify(backup, fresh)
    finally:
        run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {fresh_name}"], dict(os.environ))
