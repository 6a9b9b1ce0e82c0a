"""The audit trail, moved from the accounts app: state only, the table and its rows stay."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0004_auditevent_to_audit_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        ("actor_label", models.CharField(blank=True, max_length=254)),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("user_agent", models.CharField(blank=True, max_length=512)),
                        ("action", models.CharField(db_index=True, max_length=64)),
                        ("target_type", models.CharField(blank=True, max_length=64)),
                        ("target_id", models.CharField(blank=True, db_index=True, max_length=64)),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("success", "Success"),
                                    ("failure", "Failure"),
                                    ("denied", "Denied"),
                                ],
                                default="success",
                                max_length=16,
                            ),
                        ),
                        ("details", models.JSONField(blank=True, default=dict)),
                        ("previous_hash", models.CharField(blank=True, max_length=64)),
                        ("hash", models.CharField(max_length=64, unique=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="audit_events",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_auditevent",
                        "ordering": ["-id"],
                        "permissions": [
                            ("view_audit_trail", "Can read the audit trail"),
                            ("view_statistics", "Can read aggregate statistics"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("previous_hash",), name="audit_chain_no_fork"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
