"""Recording -> windows -> scalograms -> probabilities -> recording-level answer."""

import dataclasses
import json
import shutil

import numpy as np
import pytest

from classifier.core import pipeline
from classifier.core.model import (
    UNCERTAIN,
    DecisionRule,
    LoadedModel,
    ModelLoadError,
    get_model,
    load_model,
)
from classifier.core.signal import EcgSignal, load_signal


@pytest.fixture(scope="module")
def model(card_path):
    return get_model(card_path)


def signal_of(path):
    return load_signal(path.read_bytes(), filename=path.name, sampling_rate_hz=128.0)


def test_model_is_loaded_once_per_process(card_path, model):
    assert get_model(card_path) is model


def test_classify_real_recording(model, ecg_dir):
    signal = signal_of(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")  # 512 s
    result = pipeline.classify(signal, model)
    assert result.n_windows == 512 // 8
    assert result.model_version == model.version
    assert sum(result.probabilities.values()) == pytest.approx(1, abs=1e-4)
    window_mean = np.mean(
        [[w.probabilities[c] for c in model.card.classes] for w in result.windows], 0
    )
    assert [result.probabilities[c] for c in model.card.classes] == pytest.approx(
        window_mean, abs=1e-4
    )
    assert result.top_class == max(result.probabilities, key=result.probabilities.__getitem__)
    assert result.label in (*model.card.classes, UNCERTAIN)
    assert result.windows[1].start_s == 8 and result.windows[1].end_s == 16
    assert {"cwt", "model", "total"} <= set(result.timings_ms)


def test_every_lead_is_classified_in_one_batch(model, ecg_dir):
    a = np.load(ecg_dir / "recordings" / "chfdb-chf02-ECG1.npy")
    b = np.load(ecg_dir / "recordings" / "chfdb-chf02-ECG2.npy")
    two = load_signal(
        json.dumps({"signal": [a.tolist(), b.tolist()]}).encode(),
        filename="x.json",
        sampling_rate_hz=128.0,
    )
    result = pipeline.classify(two, model)
    per_lead = len(a) // 1024
    assert result.n_windows == 2 * per_lead
    assert {w.lead for w in result.windows} == {0, 1}


def test_low_confidence_answers_uncertain(model, ecg_dir):
    strict = dataclasses.replace(
        model.card, decision=DecisionRule(temperature=1.0, uncertain_below=0.999)
    )
    cautious = LoadedModel(strict, model.backend, model.trees)
    result = pipeline.classify(signal_of(ecg_dir / "recordings" / "mitdb-100-MLII.npy"), cautious)
    assert result.label == UNCERTAIN
    assert result.top_class in model.card.classes  # the best guess is still reported


def test_model_inputs_ignore_gain_and_offset(ecg_dir, model):
    samples = np.load(ecg_dir / "recordings" / "mitdb-100-MLII.npy")[:8192]
    spec = model.card.spec
    base = pipeline.model_inputs(samples, spec)
    scaled = pipeline.model_inputs(samples * 7.5 + 2.0, spec)
    assert base.shape == (8, spec.n_freqs, spec.columns_per_window, 1)
    np.testing.assert_allclose(base, scaled, atol=1e-2)  # DC leaks slightly into 0.5 Hz


def test_tampered_weights_are_refused(card_path, tmp_path):
    card = json.loads(card_path.read_text())
    shutil.copy(card_path, tmp_path / card_path.name)
    weights = tmp_path / card["weights_file"]
    weights.write_bytes((card_path.parent / card["weights_file"]).read_bytes() + b"x")
    with pytest.raises(ModelLoadError, match="do not match"):
        load_model(tmp_path / card_path.name)


def signal_from_array(samples):
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(samples, dtype=np.float32))
    return load_signal(buffer.getvalue(), filename="x.npy", sampling_rate_hz=128.0)


def test_poor_quality_windows_are_left_out(model, ecg_dir):
    samples = np.load(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")[: 10 * 1024].copy()
    clean = pipeline.classify(signal_from_array(samples), model)
    samples[:1024] = 0.0  # lead off during the first window
    samples[1024:2048] = np.clip(samples[1024:2048], -0.1, 0.1)  # amplifier saturated
    result = pipeline.classify(signal_from_array(samples), model)
    assert [w.quality for w in result.windows[:3]] == ["flat", "clipped", "ok"]
    assert result.quality == {
        "windows_ok": 8,
        "windows_poor": 2,
        "reasons": {"clipped": 1, "flat": 1},
    }
    good = [w for w in result.windows if w.quality == "ok"]
    mean = np.mean([[w.probabilities[c] for c in model.card.classes] for w in good], axis=0)
    assert [result.probabilities[c] for c in model.card.classes] == pytest.approx(mean, abs=1e-4)
    assert clean.quality["windows_poor"] == 0


def test_mostly_unusable_signal_answers_uncertain(model, ecg_dir):
    samples = np.load(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy")[: 4 * 1024].copy()
    samples[: 3 * 1024] = 0.002 * np.sin(np.arange(3 * 1024))  # 3 of 4 windows flat
    result = pipeline.classify(signal_from_array(samples), model)
    assert result.quality["windows_poor"] == 3
    assert result.label == UNCERTAIN


def test_every_shipped_recording_window_passes_quality(ecg_dir, model):
    for path in sorted((ecg_dir / "recordings").glob("*.npy")):
        verdicts = pipeline.window_quality(np.load(path), model.card.spec)
        assert set(verdicts) == {"ok"}, path.name


def test_a_long_recording_is_read_in_chunks_with_their_own_context(model, ecg_dir):
    """Each 30-min chunk is classified as if it were a recording of its own."""
    lead = np.load(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy").astype(np.float32)
    half = 225 * 1024
    long = np.resize(lead, 2 * half)
    whole = pipeline.classify(EcgSignal(long[np.newaxis], 128.0, ("ECG1",), "npy"), model)
    first = pipeline.classify(EcgSignal(long[np.newaxis, :half], 128.0, ("ECG1",), "npy"), model)
    assert whole.n_windows == 450
    got = [w.probabilities for w in whole.windows[:225]]
    assert got == [w.probabilities for w in first.windows]


def test_memory_stays_flat_for_a_four_hour_recording(model, ecg_dir):
    """4 h of real ECG: the inputs of the whole lead at once would take ~500 MB (the CWT
    alone, float64); read in chunks, the pipeline's own allocations stay a few tens of MB."""
    import tracemalloc

    lead = np.load(ecg_dir / "recordings" / "nsrdb-16483-ECG1.npy").astype(np.float32)
    samples = np.resize(lead, 4 * 3600 * 128)[np.newaxis]
    samples.flags.writeable = False
    signal = EcgSignal(samples, 128.0, ("ECG1",), "npy")
    tracemalloc.start()
    try:
        result = pipeline.classify(signal, model)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.n_windows == 1800
    assert peak < 80e6, f"peak {peak / 1e6:.0f} MB"


def test_progress_is_told_after_each_model_call_up_to_the_whole(model, ecg_dir):
    one = np.load(ecg_dir / "recordings" / "nsrdb-16273-ECG1.npy")
    long = np.tile(one, 180)  # 3 h: 1,350 windows, a model call per two 30-min chunks
    told: list[float] = []
    pipeline.classify(
        EcgSignal(long[np.newaxis], 128.0, ("ECG1",), "npy"), model, progress=told.append
    )
    assert len(told) == 3
    assert told == sorted(told) and 0 < told[0] < 1 and told[-1] == 1.0
