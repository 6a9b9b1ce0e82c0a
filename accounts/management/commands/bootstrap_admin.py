"""Create the local administrator on first run and say how to log in (createsuperuser-style).

The password comes from WAVECARDIO_ADMIN_PASSWORD, or is generated once and kept in
var/admin-password.txt (mode 0600) so every `make run` can print it again.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.roles import Role
from accounts.services import role_grant_bootstrap


class Command(BaseCommand):
    help = "Create the local admin account (admin + clinician roles) if it does not exist."

    def add_arguments(self, parser):
        parser.add_argument(
            "--username", default=os.environ.get("WAVECARDIO_ADMIN_USERNAME", "admin")
        )
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, username: str, url: str, **options):
        password_file = Path(settings.BASE_DIR) / "var" / "admin-password.txt"
        User = get_user_model()
        env_password = os.environ.get("WAVECARDIO_ADMIN_PASSWORD", "")  # empty counts as unset
        user = User.objects.filter(username=username).first()
        if user is None:
            password = env_password or secrets.token_urlsafe(12)
            user = User.objects.create_superuser(username=username, email="", password=password)
            if not env_password:
                password_file.parent.mkdir(parents=True, exist_ok=True)
                password_file.write_text(password + "\n")
                password_file.chmod(0o600)
        for role in (Role.ADMIN, Role.CLINICIAN):
            role_grant_bootstrap(user, role)
        shown_from_file = False
        if env_password:
            shown = "the value of WAVECARDIO_ADMIN_PASSWORD"
        elif password_file.exists():
            shown = password_file.read_text().strip()
            shown_from_file = True
        else:
            shown = "(unchanged; set it with `manage.py changepassword " + username + "`)"
        rule = "=" * 64
        self.stdout.write(
            f"\n{rule}\n"
            + self.style.SUCCESS(f"  WaveCardio is starting at {url}\n")
            + f"  Log in as: {username}\n  Password:  {shown}\n"
            + ("  (kept in var/admin-password.txt)\n" if shown_from_file else "")
            + f"{rule}\n"
        )
