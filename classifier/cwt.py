"""Morlet continuous wavelet transform and the scalograms the classifier consumes.

Two entry points, one filter bank:

* :func:`morlet_cwt` is the full-resolution real CWT. It reproduces PyWavelets'
  ``pywt.cwt(signal, scales, "morl")`` (same discretised filters, same trimming) but builds
  every scale's filter once and convolves all scales with one batched FFT.
* :func:`scalograms` is what the model sees: per window, the mean Morlet envelope magnitude
  in each time column. It never computes full-rate coefficients: each scale's band is cut
  out of the signal spectrum and inverse-transformed at the lowest rate that still holds
  that band, which is all the time resolution the column means need.

Pure NumPy/SciPy/PyWavelets, no Django. Units: ``signal`` is ``float[n_samples]`` in mV at
``sampling_rate_hz``; scales are PyWavelets ``'morl'`` scales in samples; frequencies in Hz.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields

import numpy as np
import pywt
import scipy.fft

_WAVELET = "morl"
# pywt.cwt's default ``precision``: the integrated wavelet is sampled at 2**12 points.
_PYWT_PRECISION = 12
# The Morlet wavelet psi(t) = exp(-t**2 / 2) cos(5 t) has a Gaussian envelope of unit width,
# so at scale s (samples) its time sigma is s samples and its spectrum is a Gaussian around
# f_c with sigma f_c / 5. Everything beyond this many sigmas (exp(-8) ~ 3e-4) is ignored.
_SUPPORT_SIGMAS = 4.0
# scalograms() averages a column from this many envelope samples at least (midpoint rule).
_MIN_SAMPLES_PER_COLUMN = 4


@dataclass(frozen=True)
class ScalogramSpec:
    """How a recording becomes model input: windows, Morlet frequencies, time columns.

    Rows are ordered by descending frequency (row 0 = ``f_max_hz``), i.e. by ascending
    PyWavelets scale, as in ``pywt.cwt(signal, spec.scales, "morl")``.
    """

    sampling_rate_hz: float = 128.0
    window_s: float = 8.0  # non-overlapping windows
    f_min_hz: float = 0.5
    f_max_hz: float = 40.0
    n_freqs: int = 32  # log-spaced centre frequencies
    columns_per_window: int = 64  # time columns per window (8 s -> 8 Hz column rate)

    def __post_init__(self) -> None:
        if not self.sampling_rate_hz > 0:
            raise ValueError(f"sampling_rate_hz must be > 0, got {self.sampling_rate_hz}")
        window = self.window_s * self.sampling_rate_hz
        if not (window >= 1 and abs(window - round(window)) < 1e-6):
            raise ValueError(
                f"window_s * sampling_rate_hz must be a whole number of samples, got {window}"
            )
        nyquist_hz = self.sampling_rate_hz / 2
        if not 0 < self.f_min_hz <= self.f_max_hz <= nyquist_hz:
            raise ValueError(
                f"need 0 < f_min_hz <= f_max_hz <= Nyquist ({nyquist_hz} Hz), "
                f"got {self.f_min_hz}..{self.f_max_hz}"
            )
        if self.n_freqs < 1:
            raise ValueError(f"n_freqs must be >= 1, got {self.n_freqs}")
        if self.columns_per_window < 1 or self.window_samples % self.columns_per_window:
            raise ValueError(
                f"columns_per_window ({self.columns_per_window}) must divide the "
                f"{self.window_samples} samples of a window"
            )

    @property
    def window_samples(self) -> int:
        return round(self.window_s * self.sampling_rate_hz)

    @property
    def column_samples(self) -> int:
        return self.window_samples // self.columns_per_window

    @property
    def frequencies_hz(self) -> np.ndarray:
        """float64[n_freqs]: log-spaced centre frequencies, descending (row 0 = f_max_hz)."""
        return np.geomspace(self.f_max_hz, self.f_min_hz, self.n_freqs)

    @property
    def scales(self) -> np.ndarray:
        """float64[n_freqs]: PyWavelets 'morl' scales of the rows, ascending."""
        return morlet_scales(self.frequencies_hz, self.sampling_rate_hz)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ScalogramSpec:
        """Inverse of :meth:`to_dict`. Every field is required: a model card must not
        silently pick up today's defaults."""
        names = {f.name for f in fields(cls)}
        missing, unknown = names - data.keys(), data.keys() - names
        if missing or unknown:
            raise ValueError(
                f"scalogram spec: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        ints = {"n_freqs", "columns_per_window"}
        values = {}
        for name in names:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"scalogram spec: {name} must be a number, got {value!r}")
            if name in ints and value != int(value):
                raise ValueError(f"scalogram spec: {name} must be an integer, got {value!r}")
            values[name] = int(value) if name in ints else float(value)
        return cls(**values)


def morlet_scales(frequencies_hz: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
    """PyWavelets 'morl' scales (samples) whose centre frequencies are ``frequencies_hz``.

    ``scale = pywt.central_frequency('morl') * fs / f`` (0.8125 * fs / f), the inverse of
    ``pywt.scale2frequency``.
    """
    frequencies_hz = np.asarray(frequencies_hz, dtype=np.float64)
    if np.any(frequencies_hz <= 0) or not sampling_rate_hz > 0:
        raise ValueError("frequencies and sampling rate must be positive")
    return pywt.central_frequency(_WAVELET) * sampling_rate_hz / frequencies_hz


def morlet_cwt(signal: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Full-resolution real Morlet CWT: float32[n_scales, n_samples].

    ``signal``: float[n_samples]; ``scales``: positive PyWavelets scales in samples. Equals
    ``pywt.cwt(signal, scales, 'morl')[0]`` (either ``method``) for a float64 signal, to
    ~1e-7 of max|coef|; the signal is zero-extended at both ends exactly as PyWavelets does.
    """
    signal = _as_signal(signal)
    scales = _as_scales(scales)
    n_samples = len(signal)
    longest = max(len(taps) for taps, _ in _pywt_filters(tuple(scales)))
    n_fft = scipy.fft.next_fast_len(n_samples + longest, real=True)
    spectrum = scipy.fft.rfft(signal, n_fft)
    bank = _cwt_filter_bank(n_fft, tuple(scales))
    return scipy.fft.irfft(bank * spectrum, n_fft)[:, :n_samples].astype(np.float32)


def scalograms(signal: np.ndarray, spec: ScalogramSpec) -> np.ndarray:
    """Mean Morlet envelope magnitude per time column, window by window.

    ``signal``: float[n_samples] in mV at ``spec.sampling_rate_hz``. Returns
    float32[n_windows, spec.n_freqs, spec.columns_per_window] (mV) with
    ``n_windows = n_samples // spec.window_samples`` (the remainder is dropped); row 0 is the
    highest frequency. The envelope is |analytic Morlet CWT|: the analytic filter is
    PyWavelets' discretised 'morl' filter restricted to its pass band (see
    :func:`_band_plan`), so on that band its real part is :func:`morlet_cwt`. The signal is
    reflected at its ends instead of zero-extended, so edge columns carry no artificial step.
    A column mean is taken over the envelope sampled every ``d`` samples at the centres of
    ``d``-sample groups (d <= column_samples / _MIN_SAMPLES_PER_COLUMN), a midpoint rule.
    """
    signal = _as_signal(signal)
    n_windows = len(signal) // spec.window_samples
    if n_windows == 0:
        raise ValueError(
            f"signal has {len(signal)} samples, shorter than one "
            f"{spec.window_s:g} s window ({spec.window_samples} samples)"
        )
    n_used = n_windows * spec.window_samples
    pad = _edge_padding(spec)
    # Pad up to a whole number of windows with a fast FFT length.
    n_padded = spec.window_samples * scipy.fft.next_fast_len(
        n_windows + 2 * pad // spec.window_samples
    )
    padded = np.pad(
        signal[:n_used].astype(np.float32), (pad, n_padded - n_used - pad), mode="reflect"
    )
    plan = _band_plan(n_padded, spec)
    # Zero-extended beyond Nyquist, in case a block (d = 1) is the whole spectrum.
    spectrum = scipy.fft.rfft(padded)
    spectrum = np.pad(spectrum, (0, max(max(band.n_bins for band in plan) - len(spectrum), 0)))
    n_columns = n_windows * spec.columns_per_window
    out = np.empty((spec.n_freqs, n_columns), dtype=np.float32)
    for band in plan:
        # blocks[k] is the view spectrum[k : k + n_bins]; indexing copies one row per scale.
        blocks = np.lib.stride_tricks.sliding_window_view(spectrum, band.n_bins)
        analytic = scipy.fft.ifft(blocks[band.first_bins] * band.response, overwrite_x=True)
        per_column = spec.column_samples // band.decimation
        # One envelope sample before and after the columns, for the end correction.
        start = pad // band.decimation - 1
        envelope = np.abs(analytic[:, start : start + n_columns * per_column + 2])
        out[band.rows] = _column_means(envelope, band.decimation, per_column)
    return np.ascontiguousarray(
        out.reshape(spec.n_freqs, n_windows, spec.columns_per_window).transpose(1, 0, 2)
    )


# --- filter bank shared by both transforms -------------------------------------------------


@functools.cache
def _integrated_morlet() -> tuple[np.ndarray, np.ndarray]:
    """PyWavelets' integrated 'morl' wavelet and its support grid, as pywt.cwt uses them."""
    int_psi, grid = pywt.integrate_wavelet(_WAVELET, precision=_PYWT_PRECISION)
    return np.asarray(int_psi, dtype=np.float64), np.asarray(grid, dtype=np.float64)


@functools.lru_cache(maxsize=16)
def _pywt_filters(scales: tuple[float, ...]) -> tuple[tuple[np.ndarray, int], ...]:
    """Per scale, the FIR filter pywt.cwt applies and the delay it trims.

    pywt.cwt computes ``-sqrt(s) * diff(convolve(x, int_psi[j][::-1]))`` and keeps the
    centre ``n`` samples. That is one convolution with ``taps = -sqrt(s) * diff([0, h, 0])``
    (``h = int_psi[j][::-1]``), read at a delay of ``floor((len(h) - 2) / 2) + 1``:
    ``coef[t] = sum_m taps[m] * x[t + delay - m]``.
    """
    int_psi, grid = _integrated_morlet()
    step = grid[1] - grid[0]
    filters = []
    for scale in scales:
        j = (np.arange(scale * (grid[-1] - grid[0]) + 1) / (scale * step)).astype(int)
        j = j[j < int_psi.size]
        h = int_psi[j][::-1]
        if len(h) < 2:
            raise ValueError(f"scale {scale} is too small for the 'morl' wavelet")
        taps = -np.sqrt(scale) * np.diff(h, prepend=0.0, append=0.0)
        taps.flags.writeable = False
        filters.append((taps, (len(h) - 2) // 2 + 1))
    return tuple(filters)


@functools.lru_cache(maxsize=4)
def _cwt_filter_bank(n_fft: int, scales: tuple[float, ...]) -> np.ndarray:
    """complex128[n_scales, n_fft // 2 + 1], read-only: rfft of each pywt filter, rotated by
    its delay so that a circular convolution of length ``n_fft`` is pywt's trimmed output.
    Each entry holds n_scales * n_fft * 8 bytes (71 MB for 128 scales, 65536 samples)."""
    impulse = np.zeros((len(scales), n_fft))
    for row, (taps, delay) in zip(impulse, _pywt_filters(scales), strict=True):
        row[np.arange(len(taps)) - delay] = taps
    bank = scipy.fft.rfft(impulse)
    bank.flags.writeable = False
    return bank


# --- the decimated analytic transform behind scalograms --------------------------------------


@dataclass(frozen=True)
class _Band:
    """Rows evaluated together: same decimation d, hence the same inverse FFT size M.

    For row i the envelope at full-rate time ``d * m + (d - 1) / 2`` (the centre of the
    m-th group of d samples) is
    ``|ifft(spectrum[first_bins[i] : first_bins[i] + n_bins] * response[i])[m]|``.
    """

    rows: np.ndarray  # int[n_rows]: spec rows in this band
    decimation: int  # output rate = sampling rate / decimation
    n_bins: int  # inverse FFT size M = n_padded // decimation
    first_bins: np.ndarray  # int[n_rows]: first rfft bin of each row's block
    response: np.ndarray  # complex64[n_rows, n_bins]: analytic filter on the block


def _edge_padding(spec: ScalogramSpec) -> int:
    """Samples reflected onto each end: whole windows covering the widest filter's
    _SUPPORT_SIGMAS half-support, so the circular FFT never wraps one end onto the other."""
    half_support = _SUPPORT_SIGMAS * spec.scales.max()
    return int(np.ceil(half_support / spec.window_samples)) * spec.window_samples


@functools.lru_cache(maxsize=16)
def _band_plan(n_padded: int, spec: ScalogramSpec) -> tuple[_Band, ...]:
    """Everything :func:`scalograms` needs that depends only on the padded length and spec.

    Row r's analytic filter is the continuous Morlet spectrum on positive frequencies,
    doubled (:func:`_analytic_morlet_response`). It is negligible outside
    f_c * (1 +- _SUPPORT_SIGMAS / 5), so a block of M contiguous bins holding that band,
    inverse-transformed with an M-point FFT, gives the analytic signal at every d-th sample
    (d = N / M): the block's offset only shifts the frequency, which |.| discards.
    """
    scales = spec.scales
    nyquist_bin = n_padded // 2
    centre_bins = pywt.central_frequency(_WAVELET) / scales * n_padded
    low = np.floor(centre_bins * (1 - _SUPPORT_SIGMAS / 5)).astype(int)
    high = np.minimum(np.ceil(centre_bins * (1 + _SUPPORT_SIGMAS / 5)), nyquist_bin).astype(int)
    decimations = np.array(
        [_largest_decimation(n_padded, spec, n_bins) for n_bins in high - low + 1]
    )
    bands = []
    for decimation in np.unique(decimations):
        rows = np.flatnonzero(decimations == decimation)
        n_bins = n_padded // decimation
        last_first = max(nyquist_bin + 1 - n_bins, 0)
        first = np.clip((low[rows] + high[rows] + 1 - n_bins) // 2, 0, last_first)
        bins = first[:, None] + np.arange(n_bins)  # absolute rfft bin of each block entry
        # Sample at the centre of each group of d samples: advance by (d - 1) / 2 samples.
        advance = np.exp(2j * np.pi * bins * ((decimation - 1) / 2 / n_padded))
        response = (
            _analytic_morlet_response(scales[rows, None], bins, n_padded)
            * advance
            * (n_bins / n_padded)  # the M-point ifft divides by M, the N-point one by N
        )
        bands.append(
            _Band(
                rows=rows,
                decimation=int(decimation),
                n_bins=n_bins,
                first_bins=first,
                response=response.astype(np.complex64),
            )
        )
    return tuple(bands)


def _analytic_morlet_response(scales: np.ndarray, bins: np.ndarray, n_fft: int) -> np.ndarray:
    """Frequency response at rfft ``bins`` of length ``n_fft`` of the analytic Morlet filter.

    The real filter ``psi(-m / s) / sqrt(s)`` (what pywt.cwt discretises) has the spectrum
    ``sqrt(2 pi s) / 2 * (g(s w - 5) + g(s w + 5))`` with ``g(u) = exp(-u**2 / 2)`` and w in
    rad/sample. Doubling it on 0 < w < pi and zeroing w > pi makes the output the analytic
    signal of the real CWT: its real part is the CWT, its magnitude the envelope.
    """
    omega = 2 * np.pi * bins / n_fft
    gauss = np.exp(-((scales * omega - 5) ** 2) / 2) + np.exp(-((scales * omega + 5) ** 2) / 2)
    weight = np.where((bins == 0) | (bins == n_fft // 2), 0.5, 1.0) * (bins <= n_fft // 2)
    return np.sqrt(2 * np.pi * scales) * gauss * weight


def _column_means(envelope: np.ndarray, decimation: int, per_column: int) -> np.ndarray:
    """float32[n_rows, n_columns]: the mean of each column of full-rate envelope samples,
    from its samples at the centres of groups of d = ``decimation`` samples.

    ``envelope``: float32[n_rows, n_columns * per_column + 2], one extra sample on each side.
    A group's mean is its centre value e plus (d**2 - 1) / 24 * e'' for a smooth envelope
    (midpoint rule); estimating e'' by second differences of the centres, the corrections
    within a column telescope to its two ends. Exact for d = 1.
    """
    n_rows, n_columns = len(envelope), (envelope.shape[1] - 2) // per_column
    inner = envelope[:, 1:-1].reshape(n_rows, n_columns, per_column)
    means = inner @ np.ones(per_column, dtype=np.float32)  # faster than sum() on a short axis
    if decimation > 1:
        before, after = envelope[:, 0:-2:per_column], envelope[:, per_column + 1 :: per_column]
        correction = (before - inner[..., 0]) + (after - inner[..., -1])
        means += correction * np.float32((decimation**2 - 1) / (24 * decimation**2))
    return means * np.float32(1 / per_column)


def _largest_decimation(n_padded: int, spec: ScalogramSpec, band_bins: int) -> int:
    """Largest power of two d with at least _MIN_SAMPLES_PER_COLUMN samples per column
    (d divides column_samples) whose N / d-bin block still holds ``band_bins`` bins."""
    decimation = 1
    while (
        spec.column_samples % (2 * decimation * _MIN_SAMPLES_PER_COLUMN) == 0
        and n_padded // (2 * decimation) >= band_bins
    ):
        decimation *= 2
    return decimation


def _as_signal(signal: np.ndarray) -> np.ndarray:
    signal = np.asarray(signal)
    if signal.ndim != 1 or signal.size == 0 or not np.issubdtype(signal.dtype, np.number):
        raise ValueError(f"expected a non-empty 1-D numeric signal, got shape {signal.shape}")
    if np.iscomplexobj(signal):
        raise ValueError("expected a real signal")
    signal = signal.astype(np.float64, copy=False)
    if not np.all(np.isfinite(signal)):
        raise ValueError("signal contains NaN or infinite samples")
    return signal


def _as_scales(scales: np.ndarray) -> np.ndarray:
    scales = np.atleast_1d(np.asarray(scales, dtype=np.float64))
    if scales.ndim != 1 or not np.all(scales > 0):
        raise ValueError("scales must be a 1-D array of positive values")
    return scales
