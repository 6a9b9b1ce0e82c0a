"""The audit trail becomes its own app (``audit``): the model moves, its table stays.

State only for the model (``audit.0001`` takes it over, table ``accounts_auditevent``,
rows and PostgreSQL trigger untouched). The permission rows follow: the audit ones with
the renamed content type, ``view_metrics`` and ``manage_roles`` re-pointed to the new
``RolePermissions`` holder, so the role groups keep every permission they had.
"""

from django.db import migrations, models

ACCOUNTS_CODENAMES = ("view_metrics", "manage_roles")


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = ContentType.objects.filter(app_label="accounts", model="auditevent").first()
    if old is None:  # a fresh database: post_migrate creates everything
        return
    holder, _ = ContentType.objects.get_or_create(app_label="accounts", model="rolepermissions")
    Permission.objects.filter(content_type=old, codename__in=ACCOUNTS_CODENAMES).update(
        content_type=holder
    )
    if not ContentType.objects.filter(app_label="audit", model="auditevent").exists():
        old.app_label = "audit"
        old.save(update_fields=["app_label"])


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    moved = ContentType.objects.filter(app_label="audit", model="auditevent").first()
    if moved is None:
        return
    moved.app_label = "accounts"
    moved.save(update_fields=["app_label"])
    Permission.objects.filter(
        content_type__app_label="accounts",
        content_type__model="rolepermissions",
        codename__in=ACCOUNTS_CODENAMES,
    ).update(content_type=moved)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
        migrations.CreateModel(
            name="RolePermissions",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("view_metrics", "Can scrape Prometheus metrics and health pages"),
                    ("manage_roles", "Can grant and revoke roles and (de)activate accounts"),
                ],
            },
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
