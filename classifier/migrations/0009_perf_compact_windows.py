"""Per-window results move from a JSON list of dicts (``windows``) to the compact columns of
``classifier.core.window_table`` (``window_table``); reversible, value for value."""

from django.db import migrations, models

from classifier.core.window_table import WindowTable, encode

BATCH = 200


def to_table(apps, schema_editor):
    Prediction = apps.get_model("classifier", "Prediction")
    rows = Prediction.objects.only("pk", "windows").order_by("pk")
    for prediction in rows.iterator(chunk_size=BATCH):
        prediction.window_table = encode(prediction.windows or [])
        prediction.save(update_fields=["window_table"])


def to_json(apps, schema_editor):
    Prediction = apps.get_model("classifier", "Prediction")
    rows = Prediction.objects.only("pk", "window_table").order_by("pk")
    for prediction in rows.iterator(chunk_size=BATCH):
        prediction.windows = list(WindowTable(prediction.window_table))
        prediction.save(update_fields=["windows"])


class Migration(migrations.Migration):
    dependencies = [("classifier", "0008_merge_reliability_viewer")]

    operations = [
        migrations.AddField(
            model_name="prediction",
            name="window_table",
            field=models.BinaryField(
                blank=True,
                default=bytes,
                help_text="per-window results, compact (classifier.core.window_table); "
                "read as .windows",
            ),
        ),
        migrations.RunPython(to_table, to_json),
        migrations.RemoveField(model_name="prediction", name="windows"),
    ]
