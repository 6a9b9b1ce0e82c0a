"""Per-window results stored compactly (issue 15 point 3): lossless, sliced by page, lists
never load them, and the migration converts stored rows both ways."""

import json
from itertools import groupby

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from classifier import selectors
from classifier.core import pipeline
from classifier.core.model import get_model
from classifier.core.signal import load_signal
from classifier.core.window_table import InvalidWindowTable, WindowTable, encode
from classifier.models import Prediction
from tests.factories import RecordingFactory


@pytest.fixture(scope="module")
def two_lead_result(card_path, ecg_dir):
    path = ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy"
    one = load_signal(path.read_bytes(), filename=path.name, sampling_rate_hz=128)
    two = type(one)(
        samples=np.ascontiguousarray(np.vstack([one.samples, -one.samples])),
        original_sampling_rate_hz=one.original_sampling_rate_hz,
        lead_names=("I", "II"),
        format=one.format,
    )
    return pipeline.classify(two, get_model(card_path))


def random_windows(n=300, leads=3, seed=1):
    rng = np.random.default_rng(seed)
    per_lead = n // leads
    out = []
    for lead in range(leads):
        for k in range(per_lead):
            p = rng.dirichlet([1, 1, 1])
            out.append(
                {
                    "lead": lead,
                    "start_s": k * 8.0,
                    "end_s": (k + 1) * 8.0,
                    "label": str(rng.choice(["ARR", "NSR", "CHF", "uncertain"])),
                    "probabilities": {c: round(float(v), 6) for c, v in zip("ABC", p, strict=True)},
                    "quality": str(rng.choice(["ok", "ok", "flat", "clipped"])),
                }
            )
    return out


def test_the_pipeline_result_reads_back_value_for_value(two_lead_result):
    table = WindowTable(two_lead_result.window_table())
    assert len(table) == two_lead_result.n_windows == 2 * 64
    assert list(table) == two_lead_result.window_fields()
    assert table[5:9] == two_lead_result.window_fields()[5:9]
    assert table[-1] == two_lead_result.window_fields()[-1]


def test_any_list_of_windows_round_trips_including_irregular_and_unrounded_ones():
    windows = random_windows()
    assert list(WindowTable(encode(windows))) == windows
    odd = [dict(w) for w in windows[:4]]
    odd[1]["start_s"], odd[1]["end_s"] = 7.5, 16.25  # not on the 8-s grid
    odd[2]["probabilities"] = {"A": 1 / 3, "B": 2 / 3, "C": 0.0}  # more than 6 decimals
    assert list(WindowTable(encode(odd))) == odd
    assert list(WindowTable(encode([]))) == [] and len(WindowTable(b"")) == 0


def test_the_compact_form_is_several_times_smaller_than_json():
    windows = random_windows(n=3000)

    assert len(encode(windows)) * 5 < len(json.dumps(windows))


def test_one_lead_and_pages_of_it_match_filtering_the_list():
    windows = random_windows()
    table = WindowTable(encode(windows))
    lead_1 = [w for w in windows if w["lead"] == 1]
    assert list(table.of_lead(1)) == lead_1
    assert table.of_lead(1)[10:20] == lead_1[10:20]
    assert len(table.of_lead(7)) == 0


def test_runs_match_grouping_the_windows():
    windows = random_windows(n=600)
    expected = []
    for lead, group in groupby(windows, key=lambda w: w["lead"]):
        runs = []
        for (label, ok), same in groupby(group, key=lambda w: (w["label"], w["quality"] == "ok")):
            run = list(same)
            runs.append((label if ok else "poor", run[0]["start_s"], run[-1]["end_s"]))
        expected.append((lead, runs))
    assert WindowTable(encode(windows)).runs() == expected


@pytest.mark.parametrize(
    "data", [b"not a table", b"WCW1\x05\x00\x00\x00{bad", b'WCW1\x0c\x00\x00\x00{"version":9}']
)
def test_bytes_that_are_not_a_table_are_refused(data):
    with pytest.raises(InvalidWindowTable):
        WindowTable(data)


def test_a_list_that_is_not_windows_is_refused():
    with pytest.raises(InvalidWindowTable):
        encode([{"lead": 0}])


@pytest.mark.django_db
def test_lists_never_load_the_window_data(clinician):
    recording = RecordingFactory.create(owner=clinician)
    Prediction.objects.create(
        recording=recording,
        model_version=_model_version(),
        status="done",
        window_table=encode(random_windows(n=30)),
    )
    listed = list(selectors.recordings_visible_to(clinician))
    with CaptureQueriesContext(connection) as queries:
        prediction = selectors.displayed_prediction(listed[0])
        assert prediction is not None and prediction.label == ""
    assert len(queries) == 0 and "window_table" in prediction.get_deferred_fields()
    assert len(prediction.windows) == 30  # read on demand, for a detail


def _model_version():
    from classifier.models import ModelVersion

    return ModelVersion.objects.create(name="compact-test", card_file="x.json", sha256="0" * 64)


COMPACT = [("classifier", "0009_perf_compact_windows")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_stored_windows_both_ways(clinician):
    before = [("classifier", "0010_merge_webhooks")]  # everything but the compact windows

    def undo_compact(executor: MigrationExecutor) -> list:
        """COMPACT and every migration after it (0011 and any newer), newest first."""
        graph = executor.loader.graph
        return [(graph.nodes[key], True) for key in graph.backwards_plan(COMPACT[0])]

    try:
        executor = MigrationExecutor(connection)
        executor.migrate(before, plan=undo_compact(executor))
        old = executor.loader.project_state(before[0]).apps
        recording = old.get_model("classifier", "Recording").objects.create(
            owner_id=clinician.pk,
            original_filename="a.npy",
            file="recordings/a.npy",
            sha256="1" * 64,
            size_bytes=1,
            file_format="npy",
            sampling_rate_hz=128,
            n_samples=1,
            duration_s=2400,
            uploaded_at="2026-11-30T12:00:00Z",
        )
        version = old.get_model("classifier", "ModelVersion").objects.create(
            name="m", card_file="m.json", sha256="0" * 64
        )
        windows = random_windows()
        old.get_model("classifier", "Prediction").objects.create(
            recording_id=recording.pk, model_version_id=version.pk, windows=windows
        )
        empty = old.get_model("classifier", "Prediction").objects.create(
            recording_id=recording.pk,
            model_version_id=old.get_model("classifier", "ModelVersion")
            .objects.create(name="n", card_file="n.json", sha256="0" * 64)
            .pk,
        )

        newest = MigrationExecutor(connection).loader.graph.leaf_nodes()
        MigrationExecutor(connection).migrate(newest)
        new = MigrationExecutor(connection).loader.project_state(newest).apps
        stored = new.get_model("classifier", "Prediction").objects.exclude(pk=empty.pk).get()
        assert list(WindowTable(stored.window_table)) == windows
        assert (
            len(
                WindowTable(
                    new.get_model("classifier", "Prediction").objects.get(pk=empty.pk).window_table
                )
            )
            == 0
        )

        executor = MigrationExecutor(connection)
        executor.migrate(before, plan=undo_compact(executor))
        back = MigrationExecutor(connection).loader.project_state(before[0]).apps
        assert (
            back.get_model("classifier", "Prediction").objects.exclude(pk=empty.pk).get().windows
            == windows
        )
    finally:  # back to the newest schema for the tests after this one
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_api_gives_a_stored_table_exactly_as_field_by_field_serialization(two_lead_result):
    from rest_framework.renderers import JSONRenderer

    from classifier.api.serializers import WindowSerializer

    table = WindowTable(two_lead_result.window_table())
    whole = WindowSerializer(table, many=True).data  # the stored table, given as it is
    field_by_field = WindowSerializer(list(table), many=True).data
    assert JSONRenderer().render(whole) == JSONRenderer().render(field_by_field)


@pytest.mark.django_db
def test_the_admin_prediction_list_never_loads_the_window_data(client):
    from tests.factories import PredictionFactory, UserFactory

    PredictionFactory.create(window_table=encode(random_windows(n=30)))
    admin = UserFactory.create()
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/classifier/prediction/").status_code == 200
    assert not any("window_table" in query["sql"] for query in queries.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/recordings/", "/api/v1/recordings/"])
def test_recording_lists_never_load_the_window_data(client, clinician, url):
    from tests.factories import PredictionFactory

    for _ in range(3):
        PredictionFactory.create(
            recording=RecordingFactory.create(owner=clinician),
            status="done",
            window_table=encode(random_windows(n=30)),
        )
    client.force_login(clinician)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not any("window_table" in query["sql"] for query in queries.captured_queries)
