"""classifier.core.cwt against independent references: PyWavelets and a direct time-domain
complex Morlet convolution, on real ECG and on random signals."""

import json

import numpy as np
import pytest
import pywt
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from classifier.core.cwt import ScalogramSpec, morlet_cwt, morlet_scales, scalograms

SPEC = ScalogramSpec()

# morlet_cwt reproduces pywt.cwt: max |error| / max |pywt| (float32 output).
CWT_TOLERANCE = 1e-5
# scalograms() takes each column mean from envelope samples every d samples (a corrected
# midpoint rule, see classifier/core/cwt.py); against the exact mean of every sample this costs
# at most 0.5 % of the scalogram's maximum on 8 real recordings (< 3 % of a row's maximum).
COLUMN_MEAN_TOLERANCE = 6e-3
COLUMN_MEAN_ROW_TOLERANCE = 3e-2


def load_excerpt(ecg_dir, name: str, n_samples: int) -> np.ndarray:
    return np.load(ecg_dir / "recordings" / f"{name}.npy")[:n_samples].astype(np.float64)


def relative_error(ours: np.ndarray, reference: np.ndarray) -> float:
    return float(np.abs(ours - reference).max() / np.abs(reference).max())


def envelope_reference(signal: np.ndarray, spec: ScalogramSpec) -> np.ndarray:
    """The slow definition: |complex Morlet CWT| at every sample, by direct convolution with
    exp(-u**2 / 2) exp(5j u) / sqrt(s) at u = m / s, of the signal reflected at both ends,
    then the plain mean of every column's samples."""
    n_used = len(signal) // spec.window_samples * spec.window_samples
    pad = 4096
    padded = np.pad(signal[:n_used].astype(np.float64), pad, mode="reflect")
    rows = []
    for scale in spec.scales:
        u = np.arange(-int(8 * scale), int(8 * scale) + 1) / scale
        kernel = np.exp(-(u**2) / 2 + 5j * u) / np.sqrt(scale)
        analytic = scipy.signal.fftconvolve(padded, kernel, mode="same")
        rows.append(np.abs(analytic[pad : pad + n_used]))
    columns = np.array(rows).reshape(spec.n_freqs, -1, spec.columns_per_window, spec.column_samples)
    return columns.mean(axis=-1).transpose(1, 0, 2)


# --- morlet_cwt: the full-resolution, PyWavelets-compatible transform -----------------------


@pytest.mark.parametrize("method", ["fft", "conv"])
@pytest.mark.parametrize(
    "scales", [np.arange(1, 129), SPEC.scales], ids=["scales-1-128", "spec-scales"]
)
def test_morlet_cwt_matches_pywavelets_on_a_real_recording(ecg_dir, scales, method):
    signal = load_excerpt(ecg_dir, "mitdb-100-MLII", 8192)

    ours = morlet_cwt(signal, scales)
    reference, _ = pywt.cwt(signal, scales, "morl", method=method)

    assert ours.shape == (len(scales), len(signal))
    assert ours.dtype == np.float32
    assert relative_error(ours, reference) < CWT_TOLERANCE


@settings(max_examples=40, deadline=None)
@given(
    signal=arrays(
        np.float64,
        st.integers(1, 400),
        elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
    ),
    scales=st.lists(st.floats(0.25, 40.0), min_size=1, max_size=6),
)
def test_morlet_cwt_matches_pywavelets_on_random_signals(signal, scales):
    ours = morlet_cwt(signal, scales)
    for method in ("fft", "conv"):
        reference, _ = pywt.cwt(signal, scales, "morl", method=method)
        scale = max(np.abs(reference).max(), 1e-300)
        assert np.abs(ours - reference).max() <= CWT_TOLERANCE * scale + 1e-30


@pytest.mark.parametrize("scales", [[0.0], [-1.0], [[1.0, 2.0]]])
def test_morlet_cwt_rejects_invalid_scales(scales):
    with pytest.raises(ValueError, match="scales"):
        morlet_cwt(np.ones(64), scales)


@pytest.mark.parametrize(
    "signal", [np.ones((2, 64)), np.array([]), np.array([1.0, np.nan]), np.array(["a", "b"])]
)
def test_transforms_reject_invalid_signals(signal):
    with pytest.raises(ValueError):
        morlet_cwt(signal, np.array([1.0]))
    with pytest.raises(ValueError):
        scalograms(signal, SPEC)


# --- scalograms: what the model consumes ------------------------------------------------------


def test_scalograms_shape_and_dtype_drop_the_incomplete_window():
    signal = np.random.default_rng(0).standard_normal(3 * SPEC.window_samples + 100)

    result = scalograms(signal, SPEC)

    assert result.shape == (3, SPEC.n_freqs, SPEC.columns_per_window)
    assert result.dtype == np.float32
    assert result.flags.c_contiguous
    assert np.all(np.isfinite(result)) and np.all(result >= 0)


def test_scalograms_of_exactly_one_window():
    signal = np.random.default_rng(1).standard_normal(SPEC.window_samples)

    assert scalograms(signal, SPEC).shape == (1, SPEC.n_freqs, SPEC.columns_per_window)


def test_scalograms_reject_a_signal_shorter_than_one_window():
    with pytest.raises(ValueError, match="shorter than one"):
        scalograms(np.ones(SPEC.window_samples - 1), SPEC)


@pytest.mark.parametrize(
    "name", ["mitdb-100-MLII", "nsrdb-16265-ECG1", "chfdb-chf02-ECG1", "mitdb-107-MLII"]
)
def test_scalograms_equal_the_slow_column_means_on_real_ecg(ecg_dir, name):
    signal = load_excerpt(ecg_dir, name, 16 * SPEC.window_samples)

    ours = scalograms(signal, SPEC)
    reference = envelope_reference(signal, SPEC)

    assert relative_error(ours, reference) < COLUMN_MEAN_TOLERANCE
    row_error = np.abs(ours - reference).max(axis=(0, 2)) / reference.max(axis=(0, 2))
    assert row_error.max() < COLUMN_MEAN_ROW_TOLERANCE


@pytest.mark.parametrize(
    "spec",
    [
        ScalogramSpec(sampling_rate_hz=250.0, n_freqs=24, columns_per_window=40),
        ScalogramSpec(sampling_rate_hz=360.0),  # 45 samples per column
        ScalogramSpec(window_s=4.0, columns_per_window=4, f_min_hz=0.2, n_freqs=13),
    ],
    ids=["250Hz", "360Hz", "4s-window"],
)
def test_scalograms_follow_other_specs(ecg_dir, spec):
    signal = load_excerpt(ecg_dir, "mitdb-100-MLII", 6 * spec.window_samples + 17)

    ours = scalograms(signal, spec)
    reference = envelope_reference(signal, spec)

    assert ours.shape == (6, spec.n_freqs, spec.columns_per_window)
    assert relative_error(ours, reference) < COLUMN_MEAN_TOLERANCE


def test_scalograms_are_exact_for_smooth_envelopes():
    """Well-separated, slowly modulated tones: no beats, so the column means from decimated
    samples must equal the slow definition to float32-level accuracy (1e-3 of the max)."""
    fs = SPEC.sampling_rate_hz
    t = np.arange(8 * SPEC.window_samples) / fs
    signal = sum(
        (
            (1 + 0.5 * np.sin(2 * np.pi * 0.05 * t + f)) * np.cos(2 * np.pi * f * t)
            for f in (0.6, 2.5, 10.0, 35.0)
        ),
        np.zeros_like(t),
    )

    ours = scalograms(signal, SPEC)
    reference = envelope_reference(signal, SPEC)

    assert relative_error(ours, reference) < 1e-3


@pytest.mark.parametrize("frequency_hz", [0.6, 1.0, 3.3, 7.0, 15.0, 24.0, 39.0])
def test_a_pure_tone_lands_in_the_row_of_the_nearest_centre_frequency(frequency_hz):
    t = np.arange(4 * SPEC.window_samples) / SPEC.sampling_rate_hz
    signal = np.sin(2 * np.pi * frequency_hz * t)

    energy_per_row = scalograms(signal, SPEC)[1:-1].mean(axis=(0, 2))

    nearest = np.argmin(np.abs(np.log(SPEC.frequencies_hz / frequency_hz)))
    assert np.argmax(energy_per_row) == nearest


@pytest.mark.parametrize("row", [8, 12, 20, 31])
def test_a_tone_at_a_centre_frequency_has_the_amplitude_of_pywavelets_coefficients(row):
    """The envelope's real part is the Morlet CWT that pywt.cwt discretises: at a row's
    centre frequency the two agree to within pywt's discretisation error (< 3 % for scales
    >= 6; pywt's small scales are attenuated by its integrated-wavelet filters)."""
    t = np.arange(8 * SPEC.window_samples) / SPEC.sampling_rate_hz
    signal = 0.7 * np.cos(2 * np.pi * SPEC.frequencies_hz[row] * t)

    ours = scalograms(signal, SPEC)[2:-2, row].mean()
    coefficients, _ = pywt.cwt(signal, SPEC.scales[row : row + 1], "morl")
    interior = slice(2 * SPEC.window_samples, -2 * SPEC.window_samples)
    pywt_amplitude = np.abs(coefficients[0, interior]).max()

    assert ours == pytest.approx(pywt_amplitude, rel=0.03)


def test_an_impulse_stays_in_its_window_and_column():
    """Window k holds the impulse; only the slowest rows spill into windows k +- 1."""
    window, column = 5, 21
    signal = np.zeros(10 * SPEC.window_samples)
    signal[window * SPEC.window_samples + column * SPEC.column_samples + 8] = 1.0

    result = scalograms(signal, SPEC)

    peak = result.max()
    per_window = result.max(axis=(1, 2))
    assert np.argmax(per_window) == window
    far = np.r_[0 : window - 1, window + 2 : len(result)]
    assert per_window[far].max() < 1e-4 * peak
    assert np.argmax(result[window, 0]) == column  # the sharpest row peaks in its column


@settings(max_examples=25, deadline=None)
@given(
    signal=arrays(
        np.float64,
        st.integers(SPEC.window_samples, 3 * SPEC.window_samples),
        elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False),
    ),
    gain=st.floats(-100, 100).filter(lambda g: abs(g) > 1e-3),
)
def test_scalograms_are_non_negative_and_scale_with_the_signal(signal, gain):
    result = scalograms(signal, SPEC)
    scaled = scalograms(gain * signal, SPEC)

    assert np.all(result >= 0)
    np.testing.assert_allclose(scaled, abs(gain) * result, rtol=1e-4, atol=1e-5 * abs(gain))


# --- ScalogramSpec ----------------------------------------------------------------------------


def test_default_spec_geometry():
    assert SPEC.window_samples == 1024
    assert SPEC.column_samples == 16
    frequencies = SPEC.frequencies_hz
    assert frequencies[0] == pytest.approx(40.0) and frequencies[-1] == pytest.approx(0.5)
    assert np.all(np.diff(frequencies) < 0)  # row 0 is the highest frequency
    assert np.all(np.diff(SPEC.scales) > 0)
    np.testing.assert_allclose(
        pywt.scale2frequency("morl", SPEC.scales) * SPEC.sampling_rate_hz, frequencies
    )
    np.testing.assert_allclose(morlet_scales(np.array([0.8125]), 1.0), [1.0])


@pytest.mark.parametrize(
    "changes",
    [
        {"columns_per_window": 60},  # 1024 samples do not split into 60 columns
        {"columns_per_window": 0},
        {"window_s": 8.001},  # not a whole number of samples
        {"f_max_hz": 65.0},  # above Nyquist
        {"f_min_hz": 0.0},
        {"f_min_hz": 50.0},  # above f_max_hz
        {"n_freqs": 0},
        {"sampling_rate_hz": 0.0},
    ],
)
def test_spec_rejects_inconsistent_parameters(changes):
    with pytest.raises(ValueError):
        ScalogramSpec(**changes)


def test_spec_round_trips_through_a_json_model_card():
    spec = ScalogramSpec(sampling_rate_hz=250.0, n_freqs=24, columns_per_window=40)

    restored = ScalogramSpec.from_dict(json.loads(json.dumps(spec.to_dict())))

    assert restored == spec


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("n_freqs"),
        lambda d: d.update(wavelet="morl"),
        lambda d: d.update(n_freqs=3.5),
        lambda d: d.update(window_s="8"),
    ],
    ids=["missing", "unknown", "fractional-int", "string"],
)
def test_spec_from_dict_rejects_malformed_cards(mutate):
    data = SPEC.to_dict()
    mutate(data)
    with pytest.raises(ValueError):
        ScalogramSpec.from_dict(data)
