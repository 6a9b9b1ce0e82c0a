"""Morlet continuous wavelet transform and the scalograms the classifier consumes.

Two entry points:

* :func:`morlet_cwt` is the full-resolution real CWT. It reproduces PyWavelets'
  ``pywt.cwt(signal, scales, "morl")`` (same discretised filters, same trimming) but builds
  every scale's filter once and convolves all scales with one batched FFT.
* :func:`scalograms` is what the model sees: per window, the mean Morlet envelope magnitude
  in each time column. It never computes full-rate coefficients: each scale's pass band is
  cut out of the signal spectrum and inverse-transformed at a reduced rate that still holds
  that band exactly, with just enough samples per column for an accurate column mean.

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
# pywt.cwt's default ``precision``: its integrated wavelet is sampled at 2**12 points.
_PYWT_PRECISION = 12
# morlet_cwt convolves this many scales at a time, bounding its temporary memory.
_CWT_SCALES_PER_BATCH = 16
# psi(t) = exp(-t**2 / 2) cos(5 t): at scale s its envelope has a time sigma of s samples
# and its spectrum is a Gaussian around f_c with sigma f_c / 5. scalograms() ignores the
# wavelet beyond this many sigmas, where it has fallen to exp(-8) ~ 3e-4 of its peak.
_SUPPORT_SIGMAS = 4.0
# scalograms() takes a column mean from envelope samples every d samples, with d no more
# than column_samples / _MIN_SAMPLES_PER_COLUMN, or scale * _MAX_STEP_PER_SCALE on slow
# (large-scale) rows, whichever is coarser. Measured on real ECG against the exact mean of
# all samples: <= 0.5 % of the scalogram's maximum (tests/classifier/test_cwt.py).
_MIN_SAMPLES_PER_COLUMN = 4
_MAX_STEP_PER_SCALE = 1 / 6
# scipy.fft (pocketfft) transforms this many complex64 rows at once in SIMD lanes.
_FFT_BATCH_ROWS = 4


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
                f"need 0 < f_min_hz <= f_max_hz <= Nyquist ({nyquist_hz:g} Hz), "
                f"got {self.f_min_hz:g}..{self.f_max_hz:g}"
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
        """float64[n_freqs]: PyWavelets 'morl' scales of the rows (samples), ascending."""
        return morlet_scales(self.frequencies_hz, self.sampling_rate_hz)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ScalogramSpec:
        """Inverse of :meth:`to_dict`. Every field is required, so a model card never
        silently picks up today's defaults; raises ValueError on a malformed dict."""
        names = {f.name for f in fields(cls)}
        missing, unknown = names - data.keys(), data.keys() - names
        if missing or unknown:
            raise ValueError(
                f"scalogram spec: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        integers = {"n_freqs", "columns_per_window"}
        values = {}
        for name in names:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"scalogram spec: {name} must be a number, got {value!r}")
            if name in integers and value != int(value):
                raise ValueError(f"scalogram spec: {name} must be an integer, got {value!r}")
            values[name] = int(value) if name in integers else float(value)
        return cls(**values)


def morlet_scales(frequencies_hz: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
    """PyWavelets 'morl' scales (samples) whose centre frequencies are ``frequencies_hz``.

    ``scale = pywt.central_frequency('morl') * fs / f`` (0.8125 * fs / f), the inverse of
    ``pywt.scale2frequency``.
    """
    frequencies_hz = np.asarray(frequencies_hz, dtype=np.float64)
    if np.any(frequencies_hz <= 0) or not sampling_rate_hz > 0:
        raise ValueError("frequencies and sampling rate must be positive")
    return _central_frequency() * sampling_rate_hz / frequencies_hz


def morlet_cwt(signal: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Full-resolution real Morlet CWT: float32[n_scales, n_samples].

    ``signal``: float[n_samples]; ``scales``: positive PyWavelets scales in samples. Equals
    ``pywt.cwt(np.float64(signal), scales, 'morl')[0]`` (either ``method``) to ~1e-7 of
    max|coef|, the signal zero-extended at both ends as PyWavelets does. (pywt.cwt of a
    float32 signal works in float32 and can pick slightly different filter taps.)
    """
    signal = _as_signal(signal, np.float64)
    scales = np.atleast_1d(np.asarray(scales, dtype=np.float64))
    if scales.ndim != 1 or not np.all(scales > 0):
        raise ValueError("scales must be a 1-D array of positive values")
    n_samples = len(signal)
    longest = max(len(taps) for taps, _ in _pywt_filters(tuple(scales)))
    # Longer than signal + filter, so the circular convolution never wraps onto the output.
    n_fft = scipy.fft.next_fast_len(n_samples + longest, real=True)
    spectrum = scipy.fft.rfft(signal, n_fft)
    bank = _cwt_filter_bank(n_fft, tuple(scales))
    out = np.empty((len(scales), n_samples), dtype=np.float32)
    for first in range(0, len(scales), _CWT_SCALES_PER_BATCH):
        rows = slice(first, first + _CWT_SCALES_PER_BATCH)
        out[rows] = scipy.fft.irfft(bank[rows] * spectrum, n_fft)[:, :n_samples]
    return out


def scalograms(signal: np.ndarray, spec: ScalogramSpec) -> np.ndarray:
    """Mean Morlet envelope magnitude per time column, window by window.

    ``signal``: float[n_samples] in mV at ``spec.sampling_rate_hz``. Returns
    float32[n_windows, spec.n_freqs, spec.columns_per_window] in mV, with
    ``n_windows = n_samples // spec.window_samples`` (the remainder is dropped) and row 0 the
    highest frequency; raises ValueError for a signal shorter than one window.

    The envelope is the magnitude of the analytic Morlet CWT: its real part is the real
    Morlet CWT that :func:`morlet_cwt` discretises the PyWavelets way (see
    :func:`_analytic_morlet_response` for how the two differ). The signal is reflected at
    both ends, so edge columns carry no artificial step.
    """
    signal = _as_signal(signal, np.float32)
    n_windows = len(signal) // spec.window_samples
    if n_windows == 0:
        raise ValueError(
            f"signal has {len(signal)} samples, shorter than one "
            f"{spec.window_s:g} s window ({spec.window_samples} samples)"
        )
    n_used = n_windows * spec.window_samples
    pad = _edge_padding(spec)
    # Whole windows on both sides (so every decimated grid lines up with the columns),
    # rounded up to a fast FFT length.
    n_padded = spec.window_samples * scipy.fft.next_fast_len(
        n_windows + 2 * pad // spec.window_samples
    )
    padded = np.pad(signal[:n_used], (pad, n_padded - n_used - pad), mode="reflect")
    plan = _band_plan(n_padded, spec)
    spectrum = scipy.fft.rfft(padded)
    longest_block = max(band.n_bins for band in plan)
    if longest_block > len(spectrum):  # full rate: zeros beyond Nyquist
        spectrum = np.pad(spectrum, (0, longest_block - len(spectrum)))
    n_columns = n_windows * spec.columns_per_window
    pad_columns = pad // spec.column_samples
    out = np.empty((n_windows, spec.n_freqs, spec.columns_per_window), dtype=np.float32)
    for band in plan:
        per_column = band.samples_per_column
        # The signal's columns, plus one envelope sample on each side for _column_means.
        envelope = _band_envelope(
            spectrum, band, first=pad_columns * per_column - 1, length=n_columns * per_column + 2
        )
        means = _column_means(envelope, per_column, spec.column_samples / per_column)
        out[:, band.rows] = means.reshape(len(band.rows), n_windows, -1).transpose(1, 0, 2)
    return out


# --- PyWavelets-compatible filters for morlet_cwt --------------------------------------------


@functools.cache
def _central_frequency() -> float:
    return float(pywt.central_frequency(_WAVELET))


@functools.cache
def _integrated_morlet() -> tuple[np.ndarray, np.ndarray]:
    """PyWavelets' integrated 'morl' wavelet and its support grid, as pywt.cwt uses them."""
    int_psi, grid = pywt.integrate_wavelet(_WAVELET, precision=_PYWT_PRECISION)
    return np.asarray(int_psi, dtype=np.float64), np.asarray(grid, dtype=np.float64)


@functools.lru_cache(maxsize=16)
def _pywt_filters(scales: tuple[float, ...]) -> tuple[tuple[np.ndarray, int], ...]:
    """Per scale, the FIR filter pywt.cwt applies and the delay its trimming implies.

    pywt.cwt computes ``-sqrt(s) * diff(convolve(x, h))`` with ``h = int_psi[j][::-1]`` and
    keeps the centre ``n`` samples. That is one convolution with
    ``taps = -sqrt(s) * diff([0, h, 0])`` read at ``delay = floor((len(h) - 2) / 2) + 1``:
    ``coef[t] = sum_m taps[m] * x[t + delay - m]``.
    """
    int_psi, grid = _integrated_morlet()
    step = grid[1] - grid[0]
    filters = []
    for scale in scales:
        j = (np.arange(scale * (grid[-1] - grid[0]) + 1) / (scale * step)).astype(int)
        h = int_psi[j[j < int_psi.size]][::-1]
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
    One entry is n_scales * n_fft * 8 bytes (71 MB for 128 scales and 65536 samples)."""
    impulse = np.zeros((len(scales), n_fft))
    for row, (taps, delay) in zip(impulse, _pywt_filters(scales), strict=True):
        row[np.arange(len(taps)) - delay] = taps
    bank = scipy.fft.rfft(impulse)
    bank.flags.writeable = False
    return bank


# --- the decimated analytic transform behind scalograms --------------------------------------


@dataclass(frozen=True)
class _Band:
    """Rows computed together: the same number p of envelope samples per column, hence the
    same inverse FFT size M = p * N / column_samples and sample spacing d = N / M.

    For row i the envelope at padded-signal time ``d * m + (d - 1) / 2`` (samples; the
    centre of the m-th stretch of d samples) is
    ``|ifft(spectrum[first_bins[i] : first_bins[i] + n_bins] * response[i])[m]|``.
    """

    rows: np.ndarray  # int[n_rows]: spec rows (scales) in this band
    samples_per_column: int  # p
    n_bins: int  # M: block length and inverse FFT size
    first_bins: np.ndarray  # int[n_rows]: first rfft bin of each row's block
    response: np.ndarray  # complex64[n_rows, n_bins], read-only: filter on the block


@functools.lru_cache(maxsize=16)
def _edge_padding(spec: ScalogramSpec) -> int:
    """Samples reflected onto each end: whole windows covering the widest wavelet's
    _SUPPORT_SIGMAS half-support, so the circular FFT never wraps one end onto the other."""
    half_support = _SUPPORT_SIGMAS * spec.scales.max()
    return int(np.ceil(half_support / spec.window_samples)) * spec.window_samples


@functools.lru_cache(maxsize=16)
def _band_plan(n_padded: int, spec: ScalogramSpec) -> tuple[_Band, ...]:
    """Everything :func:`scalograms` needs that depends only on the padded length and spec.

    A row's analytic response is negligible outside its pass band
    f_c * (1 +- _SUPPORT_SIGMAS / 5) (clipped at Nyquist). If a block of M contiguous bins
    holds that band, an M-point inverse FFT of the block gives the analytic signal exactly
    every d = N / M samples: the block's offset only shifts the frequency, which |.|
    discards. M is set by :func:`_samples_per_column`.
    """
    scales = spec.scales
    nyquist_bin = n_padded // 2
    centre_bins = _central_frequency() / scales * n_padded
    low = np.floor(centre_bins * (1 - _SUPPORT_SIGMAS / 5)).astype(int)
    high = np.minimum(np.ceil(centre_bins * (1 + _SUPPORT_SIGMAS / 5)), nyquist_bin).astype(int)
    needed = [
        _samples_per_column(n_padded, spec, band_bins, scale)
        for band_bins, scale in zip(high - low + 1, scales, strict=True)
    ]
    # scipy.fft vectorises across _FFT_BATCH_ROWS complex64 transforms at once, 3x cheaper
    # per row than one at a time: give each run of that many rows the rate its most
    # demanding row needs.
    per_column = np.array(
        [
            max(needed[first : first + _FFT_BATCH_ROWS])
            for first in range(0, len(needed), _FFT_BATCH_ROWS)
            for _ in needed[first : first + _FFT_BATCH_ROWS]
        ]
    )
    bands = []
    for samples in np.unique(per_column):
        rows = np.flatnonzero(per_column == samples)
        n_bins = n_padded // spec.column_samples * samples
        centred = (low[rows] + high[rows] + 1 - n_bins) // 2
        first = np.clip(centred, 0, max(nyquist_bin + 1 - n_bins, 0))
        offsets = np.arange(n_bins)
        # Advance by (d - 1) / 2 samples so that envelope sample m is the centre of the m-th
        # stretch of d samples: a phase of advance_per_bin * bin, factored into the phase
        # at the block's first bin times the phase of the offset within the block.
        advance_per_bin = np.pi * (n_padded / n_bins - 1) / n_padded
        advance_in_block = np.exp(1j * advance_per_bin * offsets)
        response = np.empty((len(rows), n_bins), dtype=np.complex64)
        for out, row, first_bin in zip(response, rows, first, strict=True):
            out[:] = (
                _analytic_morlet_response(scales[row], first_bin + offsets, n_padded)
                * (np.exp(1j * advance_per_bin * first_bin) * advance_in_block)
                * (n_bins / n_padded)  # the M-point ifft divides by M, not N
            )
        response.flags.writeable = False
        bands.append(_Band(rows, int(samples), n_bins, first, response))
    return tuple(bands)


def _analytic_morlet_response(scale: float, bins: np.ndarray, n_fft: int) -> np.ndarray:
    """float64[len(bins)]: the analytic Morlet filter at rfft ``bins`` of length ``n_fft``.

    The real Morlet CWT ``sum_m x[t + m] psi(m / s) / sqrt(s)`` (what pywt.cwt discretises)
    is a filter with spectrum ``sqrt(2 pi s) / 2 * (g(s w - 5) + g(s w + 5))``, where
    ``g(u) = exp(-u**2 / 2)`` and w is in rad/sample. Its analytic signal keeps the positive
    frequencies, doubled: ``sqrt(2 pi s) * g(s w - 5)`` (the mirror term, below exp(-12.5),
    is dropped), with DC and Nyquist halved and nothing above Nyquist. This is the exact
    continuous Morlet, smooth and Gaussian. pywt's integrated-wavelet filters approximate it:
    at f_c within 3 % for scales >= 6, but 17 % smaller at scale 2.6 (40 Hz at 128 Hz),
    where pywt averages the wavelet over whole samples; and they add broadband
    discretisation noise outside the pass band, which this filter leaves out.
    """
    omega = 2 * np.pi * bins / n_fft
    response = np.sqrt(2 * np.pi * scale) * np.exp(-((scale * omega - 5) ** 2) / 2)
    response[(bins == 0) | (bins == n_fft // 2)] /= 2
    response[bins > n_fft // 2] = 0
    return response


def _samples_per_column(n_padded: int, spec: ScalogramSpec, band_bins: int, scale: float) -> int:
    """Envelope samples per column for a row whose pass band spans ``band_bins`` bins.

    Enough that the M-bin block holds the band, and enough for an accurate column mean:
    at least _MIN_SAMPLES_PER_COLUMN, or one every scale * _MAX_STEP_PER_SCALE samples if
    that is fewer (the envelope changes on a time scale of ``scale`` samples, so slow rows
    need fewer). Never more than column_samples, the full rate.
    """
    for_band = -(-band_bins * spec.column_samples // n_padded)  # ceil division
    spacing = max(spec.column_samples / _MIN_SAMPLES_PER_COLUMN, scale * _MAX_STEP_PER_SCALE)
    for_mean = int(np.ceil(spec.column_samples / spacing))
    return min(max(for_band, for_mean), spec.column_samples)


def _band_envelope(spectrum: np.ndarray, band: _Band, first: int, length: int) -> np.ndarray:
    """float32[n_rows, length]: envelope samples first .. first + length - 1 of the band's
    rows, from the padded signal's rfft ``spectrum``."""
    filtered = np.empty(band.response.shape, dtype=np.complex64)
    for row, first_bin, response in zip(filtered, band.first_bins, band.response, strict=True):
        np.multiply(spectrum[first_bin : first_bin + band.n_bins], response, out=row)
    analytic = scipy.fft.ifft(filtered, overwrite_x=True)
    return np.abs(analytic[:, first : first + length])


def _column_means(envelope: np.ndarray, per_column: int, spacing: float) -> np.ndarray:
    """float32[n_rows, n_columns]: the mean of each column's full-rate envelope samples,
    from ``per_column`` = p samples per column, every d = ``spacing`` samples, at the
    centres of the column's p stretches of d samples.

    ``envelope``: float32[n_rows, n_columns * p + 2], one extra sample on each side.
    The mean of a stretch's samples is its centre value e plus (d**2 - 1) / 24 * e'' for a
    smooth envelope (midpoint rule); estimating e'' by second differences of the centres,
    the corrections within a column telescope to its two ends. Exact for d = 1.
    """
    n_rows, n_columns = len(envelope), (envelope.shape[1] - 2) // per_column
    inner = envelope[:, 1:-1].reshape(n_rows, n_columns, per_column)
    sums = inner @ np.ones(per_column, dtype=np.float32)  # faster than sum() on a short axis
    if spacing > 1:
        before, after = envelope[:, 0:-2:per_column], envelope[:, per_column + 1 :: per_column]
        ends = (before - inner[..., 0]) + (after - inner[..., -1])
        sums += ends * np.float32((spacing**2 - 1) / (24 * spacing**2))
    return sums * np.float32(1 / per_column)


def _as_signal(signal: np.ndarray, dtype: type[np.floating]) -> np.ndarray:
    """A finite, real, non-empty 1-D ``dtype`` array, or ValueError."""
    signal = np.asarray(signal)
    if signal.ndim != 1 or signal.size == 0:
        raise ValueError(f"expected a non-empty 1-D signal, got shape {signal.shape}")
    if not (np.issubdtype(signal.dtype, np.integer) or np.issubdtype(signal.dtype, np.floating)):
        raise ValueError(f"expected a real numeric signal, got dtype {signal.dtype}")
    signal = signal.astype(dtype, copy=False)
    if not np.all(np.isfinite(signal)):
        raise ValueError("signal contains NaN or infinite samples")
    return signal
