"""Upload reading and validation (classifier.core.signal), on real PhysioNet recordings.

Every unhappy path asserts on the message, because that text is what the uploader reads.
"""

import csv
import hashlib
import io
import json
import os
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.signal import resample_poly

from classifier.core.signal import (
    REFERENCE_RATE_HZ,
    EcgSignal,
    InvalidRecording,
    SignalLimits,
    load_signal,
    to_reference_rate,
)

ECG_DIR = Path(
    os.environ.get(
        "WAVECARDIO_ECG_DIR", Path(__file__).resolve().parents[2].parent / "shared/data/ecg"
    )
)
SHORT_RECORDINGS = ["chfdb-chf01-ECG1", "mitdb-101-MLII", "nsrdb-16273-ECG1"]


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict[str, str]]:
    path = ECG_DIR / "manifest.csv"
    if not path.exists():
        pytest.skip(f"real ECG data not found at {ECG_DIR} (set WAVECARDIO_ECG_DIR)")
    with path.open(newline="") as file:
        return {row["id"]: row for row in csv.DictReader(file)}


@pytest.fixture(scope="module")
def recording(manifest):
    """Load a real recording by manifest id: float32[n] in mV at 128 Hz."""

    def load(recording_id: str) -> np.ndarray:
        return np.load(ECG_DIR / manifest[recording_id]["file"])

    return load


@pytest.fixture(scope="module")
def ecg(recording) -> np.ndarray:
    """60 s of real sinus rhythm: float32[7680] in mV at 128 Hz."""
    return recording("nsrdb-16273-ECG1")


@pytest.fixture(scope="module")
def two_leads(recording) -> np.ndarray:
    """12 s of both leads of a real CHF recording: float32[2, 1536] in mV at 128 Hz."""
    return np.stack([recording(f"chfdb-chf02-ECG{lead}")[:1536] for lead in (1, 2)])


def npy_bytes(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, values)
    return buffer.getvalue()


def csv_bytes(rows: np.ndarray, header: list[str] | None = None, delimiter: str = ",") -> bytes:
    """float[n_samples, n_columns] -> CSV text with exact float32 round-trip."""
    lines = [delimiter.join(header)] if header else []
    lines += [delimiter.join(repr(float(value)) for value in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def load_fails(content: bytes, filename: str = "upload.npy", **kwargs) -> str:
    with pytest.raises(InvalidRecording) as excinfo:
        load_signal(content, filename=filename, **{"sampling_rate_hz": REFERENCE_RATE_HZ, **kwargs})
    return str(excinfo.value)


# Happy paths -------------------------------------------------------------------------------


@pytest.mark.parametrize("recording_id", SHORT_RECORDINGS)
def test_npy_real_recording_loads_bit_exact(manifest, recording_id):
    row = manifest[recording_id]
    content = (ECG_DIR / row["file"]).read_bytes()

    signal = load_signal(
        content, filename=Path(row["file"]).name, sampling_rate_hz=REFERENCE_RATE_HZ
    )

    assert isinstance(signal, EcgSignal)
    assert signal.format == "npy"
    assert signal.samples.dtype == np.float32
    assert signal.samples.flags.c_contiguous
    assert (signal.n_leads, signal.n_samples) == (1, int(row["n_samples"]))
    assert signal.sampling_rate_hz == REFERENCE_RATE_HZ == signal.original_sampling_rate_hz
    assert signal.duration_s == pytest.approx(float(row["seconds"]), abs=0.05)
    assert signal.lead_names == ("lead 1",)
    assert hashlib.sha256(signal.samples.tobytes()).hexdigest()[:16] == row["sha256"]


def test_samples_are_read_only(ecg):
    signal = load_signal(npy_bytes(ecg), filename="ecg.npy", sampling_rate_hz=REFERENCE_RATE_HZ)

    with pytest.raises(ValueError, match="read-only"):
        signal.samples[0, 0] = 1.0


def test_file_object_is_read_and_its_position_restored(manifest):
    path = ECG_DIR / manifest["mitdb-101-MLII"]["file"]
    with path.open("rb") as file:
        signal = load_signal(file, filename=path.name, sampling_rate_hz=REFERENCE_RATE_HZ)
        assert file.tell() == 0
    assert signal.n_samples == 7680


@pytest.mark.parametrize("orientation", ["leads_by_samples", "samples_by_leads"])
def test_npy_2d_either_orientation_gives_leads_by_samples(two_leads, orientation):
    values = two_leads if orientation == "leads_by_samples" else two_leads.T.copy()

    signal = load_signal(npy_bytes(values), filename="two.npy", sampling_rate_hz=REFERENCE_RATE_HZ)

    assert signal.samples.shape == (2, 1536)
    np.testing.assert_array_equal(signal.samples, two_leads)
    assert signal.lead_names == ("lead 1", "lead 2")


def test_npy_integer_millivolt_samples_are_accepted(ecg):
    signal = load_signal(
        npy_bytes(np.round(ecg * 100).astype(np.int16) // 100),
        filename="a.npy",
        sampling_rate_hz=REFERENCE_RATE_HZ,
    )

    assert signal.samples.dtype == np.float32


def test_json_object_with_rate_and_lead_names(two_leads):
    at_250_hz = resample_poly(two_leads.astype(np.float64), 125, 64, axis=1)
    document = {"signal": at_250_hz.tolist(), "sampling_rate_hz": 250, "leads": ["ECG1", "ECG2"]}

    signal = load_signal(json.dumps(document).encode(), filename="chf02.json")

    assert signal.format == "json"
    assert signal.original_sampling_rate_hz == 250.0
    assert signal.lead_names == ("ECG1", "ECG2")
    assert signal.samples.shape == (2, 1536)
    np.testing.assert_allclose(signal.samples[:, 64:-64], two_leads[:, 64:-64], atol=0.05)


def test_json_rate_may_be_repeated_by_the_caller(ecg):
    document = json.dumps({"signal": ecg.tolist(), "sampling_rate_hz": 128}).encode()

    signal = load_signal(document, filename="a.json", sampling_rate_hz=128.0)

    np.testing.assert_array_equal(signal.samples[0], ecg)


def test_json_bare_array_takes_the_given_rate(two_leads):
    content = json.dumps(two_leads.T.tolist()).encode()

    signal = load_signal(content, filename="a.json", sampling_rate_hz=REFERENCE_RATE_HZ)

    assert signal.original_sampling_rate_hz == REFERENCE_RATE_HZ
    np.testing.assert_array_equal(signal.samples, two_leads)


def test_json_is_recognised_by_content_without_extension(ecg):
    signal = load_signal(
        json.dumps(ecg.tolist()).encode(), filename="upload", sampling_rate_hz=REFERENCE_RATE_HZ
    )

    assert signal.format == "json"


def test_csv_with_header_names_leads_and_drops_time_column(two_leads):
    time_s = np.arange(two_leads.shape[1]) / 128.0
    rows = np.column_stack([time_s, two_leads.T])
    content = csv_bytes(rows, header=["time (s)", "ECG1", "ECG2"])

    signal = load_signal(content, filename="chf02.csv")

    assert signal.format == "csv"
    assert signal.lead_names == ("ECG1", "ECG2")
    np.testing.assert_array_equal(signal.samples, two_leads)


def test_csv_physionet_style_header_with_sample_column(two_leads):
    rows = np.column_stack([np.arange(two_leads.shape[1]), two_leads.T])
    content = csv_bytes(rows, header=["'sample #'", "'MLII'", "'V5'"])

    signal = load_signal(content, filename="100.csv", sampling_rate_hz=REFERENCE_RATE_HZ)

    assert signal.lead_names == ("MLII", "V5")
    np.testing.assert_array_equal(signal.samples, two_leads)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_without_header(two_leads, delimiter):
    signal = load_signal(
        csv_bytes(two_leads.T, delimiter=delimiter),
        filename="a.csv",
        sampling_rate_hz=REFERENCE_RATE_HZ,
    )

    assert signal.lead_names == ("lead 1", "lead 2")
    np.testing.assert_array_equal(signal.samples, two_leads)


def test_csv_single_column_with_utf8_bom(ecg):
    content = b"\xef\xbb\xbf" + csv_bytes(ecg[:, np.newaxis], header=["MLII"])

    signal = load_signal(content, filename="a.csv", sampling_rate_hz=REFERENCE_RATE_HZ)

    assert signal.lead_names == ("MLII",)
    np.testing.assert_array_equal(signal.samples[0], ecg)


# Resampling --------------------------------------------------------------------------------


@pytest.mark.parametrize(("rate_hz", "up", "down"), [(360, 45, 16), (250, 125, 64)])
def test_real_recording_resampled_by_caller_loads_back_at_128_hz(ecg, rate_hz, up, down):
    at_native_rate = resample_poly(ecg.astype(np.float64), up, down).astype(np.float32)

    signal = load_signal(npy_bytes(at_native_rate), filename="a.npy", sampling_rate_hz=rate_hz)

    assert signal.original_sampling_rate_hz == rate_hz
    assert signal.n_samples == ecg.size
    assert signal.duration_s == pytest.approx(60.0)
    error_mv = signal.samples[0] - ecg
    # Two anti-aliasing filters only trim content close to 64 Hz, a few microvolts here.
    assert np.sqrt(np.mean(error_mv**2)) < 0.02
    assert np.abs(error_mv).max() < 0.1


def test_sine_keeps_its_frequency_and_amplitude():
    rate_hz, frequency_hz = 360.0, 10.0
    sine_mv = np.sin(2 * np.pi * frequency_hz * np.arange(int(10 * rate_hz)) / rate_hz)

    signal = load_signal(npy_bytes(sine_mv), filename="sine.npy", sampling_rate_hz=rate_hz)

    assert signal.n_samples == 1280
    spectrum = np.abs(np.fft.rfft(signal.samples[0]))
    frequencies_hz = np.fft.rfftfreq(signal.n_samples, d=1 / REFERENCE_RATE_HZ)
    assert frequencies_hz[np.argmax(spectrum)] == pytest.approx(frequency_hz, abs=0.1)
    expected = np.sin(2 * np.pi * frequency_hz * np.arange(1280) / REFERENCE_RATE_HZ)
    # Filter edge effects are confined to the first and last few samples.
    np.testing.assert_allclose(signal.samples[0, 8:-8], expected[8:-8], atol=0.01)


def test_to_reference_rate_is_identity_at_128_hz(two_leads):
    assert to_reference_rate(two_leads, REFERENCE_RATE_HZ) is two_leads


def test_to_reference_rate_handles_odd_rates(ecg):
    resampled = to_reference_rate(ecg[np.newaxis, :], 257.0)

    assert resampled.dtype == np.float32
    assert resampled.shape == (1, int(np.ceil(ecg.size * 128 / 257)))


# Unhappy paths: .npy -----------------------------------------------------------------------


def test_pickled_object_array_is_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)

    assert "object arrays/pickles are not accepted" in load_fails(buffer.getvalue())


def test_text_renamed_npy_is_refused(ecg):
    message = load_fails(csv_bytes(ecg[:, np.newaxis]), filename="renamed.npy")

    assert "not a valid .npy file" in message


def test_truncated_npy_is_refused(ecg):
    content = npy_bytes(ecg)

    message = load_fails(content[: len(content) // 2])

    assert "truncated" in message
    assert "(7680,)" in message


def test_npy_with_damaged_header_is_refused():
    assert "header is damaged" in load_fails(b"\x93NUMPY\x01\x00\x10\x00{'descr': 'x")


# Unhappy paths: shapes and dtypes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.zeros((2, 3, 1280), dtype=np.float32), "3-D array of shape (2, 3, 1280)"),
        (np.zeros(0, dtype=np.float32), "empty (shape (0,))"),
        (np.zeros((2, 0), dtype=np.float32), "empty (shape (2, 0))"),
        (np.float32(1.5), "single number (shape ())"),
        (np.ones(1280, dtype=np.complex64), "complex values are not accepted"),
        (np.array(["0.1"] * 1280), "holds text"),
        (np.ones(1280, dtype=bool), "booleans"),
        (np.zeros(1280, dtype=[("mv", "f4"), ("t", "f4")]), "structured (record) arrays"),
    ],
)
def test_unusable_arrays_are_refused(values, expected):
    assert expected in load_fails(npy_bytes(values))


def test_one_sample_array_is_too_short():
    message = load_fails(npy_bytes(np.array([0.5], dtype=np.float32)))

    assert "0.00781 s long (1 samples at 128 Hz)" in message
    assert "at least 8 s" in message


def test_too_many_leads_is_refused(ecg):
    message = load_fails(npy_bytes(np.tile(ecg[:1280], (13, 1))))

    assert "13 leads" in message
    assert "at most 12" in message


# Unhappy paths: values ---------------------------------------------------------------------


def test_nan_is_reported_with_count_and_first_position(ecg):
    values = ecg.copy()
    values[[300, 301, 5000]] = np.nan

    message = load_fails(npy_bytes(values))

    assert "3 missing or infinite value(s) (3 NaN, 0 infinite)" in message
    assert "sample 300 (2.34 s)" in message


def test_inf_is_reported(two_leads):
    values = two_leads.copy()
    values[1, 42] = np.inf

    message = load_fails(npy_bytes(values))

    assert "(0 NaN, 1 infinite)" in message
    assert "lead 'lead 2' at sample 42" in message


def test_flat_signal_is_refused():
    assert "flat" in load_fails(npy_bytes(np.full((2, 1280), 0.3, dtype=np.float32)))


def test_one_flat_lead_is_accepted(ecg):
    values = np.stack([ecg, np.zeros_like(ecg)])

    assert (
        load_signal(npy_bytes(values), filename="a.npy", sampling_rate_hz=REFERENCE_RATE_HZ).n_leads
        == 2
    )


def test_adc_units_are_refused(ecg):
    in_adc_units = np.round(ecg * 200).astype(np.int16)

    message = load_fails(npy_bytes(in_adc_units))

    assert "ADC units rather than millivolts" in message
    assert "200 adu/mV" in message


# Unhappy paths: duration, size, sampling rate ----------------------------------------------


def test_too_short_real_excerpt(ecg):
    message = load_fails(npy_bytes(ecg[:640]))

    assert "the recording is 5 s long (640 samples at 128 Hz)" in message


def test_duration_is_measured_at_the_original_rate(ecg):
    message = load_fails(npy_bytes(ecg[:2000]), sampling_rate_hz=360)

    assert "5.56 s long (2,000 samples at 360 Hz)" in message


def test_too_long_with_tight_limits(recording):
    message = load_fails(
        npy_bytes(recording("chfdb-chf02-ECG1")), limits=SignalLimits(max_duration_s=60.0)
    )

    assert "262 s long" in message
    assert "at most 60 s" in message


def test_too_big_is_refused_before_parsing():
    message = load_fails(b"not even a signal" * 200, limits=SignalLimits(max_size_bytes=1024))

    assert message == "the file is 3.3 KB; the limit is 1 KB"


class _HugeUpload(io.RawIOBase):
    """A 73.2 MB upload whose content must never be read."""

    size_bytes = int(73.2 * 1024**2)

    def __init__(self) -> None:
        self.position = 0

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = offset if whence == io.SEEK_SET else self.size_bytes + offset
        return self.position

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the size check must come before reading")


def test_too_big_file_object_is_measured_without_reading():
    with pytest.raises(InvalidRecording, match=r"^the file is 73\.2 MB; the limit is 50 MB$"):
        load_signal(cast(BinaryIO, _HugeUpload()), filename="big.npy")


class _Stream:
    """A non-seekable upload stream."""

    def __init__(self, content: bytes) -> None:
        self.buffer = io.BytesIO(content)

    def read(self, size: int = -1) -> bytes:
        return self.buffer.read(size)


def test_too_big_stream_reads_at_most_one_byte_past_the_limit(ecg):
    stream = _Stream(npy_bytes(ecg))

    with pytest.raises(InvalidRecording, match="larger than 1 KB"):
        load_signal(
            cast(BinaryIO, stream), filename="a.npy", limits=SignalLimits(max_size_bytes=1024)
        )
    assert stream.buffer.tell() == 1025


@pytest.mark.parametrize(
    ("rate_hz", "expected"),
    [
        (0, "must be positive, got 0 Hz"),
        (-1, "must be positive, got -1 Hz"),
        (float("nan"), "must be a finite number of Hz, got nan"),
        (float("inf"), "must be a finite number of Hz, got inf"),
        (20, "20 Hz is below the minimum of 80 Hz"),
        (20_000, "20000 Hz is above the maximum of 10000 Hz"),
        ("360", "must be a number of Hz, got '360'"),
    ],
)
def test_bad_sampling_rate_is_refused(ecg, rate_hz, expected):
    assert expected in load_fails(npy_bytes(ecg), sampling_rate_hz=rate_hz)


def test_conflicting_sampling_rates_are_refused(ecg):
    document = json.dumps({"signal": ecg.tolist(), "sampling_rate_hz": 360}).encode()

    message = load_fails(document, filename="a.json", sampling_rate_hz=128)

    assert "conflicting sampling rates: the file says 360 Hz but 128 Hz was given" in message


def test_bad_sampling_rate_inside_json_is_refused(ecg):
    document = json.dumps({"signal": ecg.tolist(), "sampling_rate_hz": 20}).encode()

    assert "the file's sampling rate of 20 Hz is below" in load_fails(document, "a.json")


# Unhappy paths: JSON and CSV syntax --------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b'{"signal": [0.1, 0.2', "not valid JSON"),
        (b'{"signal": [1, 2]', "line 1, column"),
        (b'{"samples": [1, 2]}', "unexpected key(s) 'samples'"),
        (b'{"signal": [1, 2], "sampling_rate": 360}', "unexpected key(s) 'sampling_rate'"),
        (b'{"leads": ["I"]}', "no 'signal' key"),
        (b'{"signal": "0.1,0.2"}', "'signal' must be a list"),
        (b'{"signal": [1, 2], "sampling_rate_hz": "360"}', "must be a number of Hz"),
        (b'{"signal": [1, 2], "leads": "I"}', "'leads' must be a list"),
        (b'{"signal": [0.1, 0.2, null, 0.3]}', "found null at signal[2]"),
        (b'{"signal": [[0.1, 0.2], [0.3, "x"]]}', 'found "x" at signal[1][1]'),
        (b'{"signal": [[0.1, 0.2], [0.3]]}', "not rectangular"),
        (b'"0.1, 0.2"', "not a string"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_json_is_refused(document, expected):
    assert expected in load_fails(document, filename="a.json")


def test_json_lead_names_must_match_the_leads(two_leads):
    document = json.dumps({"signal": two_leads.tolist(), "leads": ["I"]}).encode()

    assert "names 1 lead(s) ('I') but the signal has 2" in load_fails(document, "a.json")


def test_csv_non_numeric_cell_names_row_and_column(two_leads):
    lines = csv_bytes(two_leads.T, header=["ECG1", "ECG2"]).decode().splitlines()
    lines[2] = lines[2].split(",")[0] + ",abc"

    message = load_fails("\n".join(lines).encode(), filename="a.csv")

    assert message == "CSV row 3, column 2 ('ECG2'): 'abc' is not a number"


def test_csv_empty_cell_and_ragged_row(two_leads):
    lines = csv_bytes(two_leads.T).decode().splitlines()

    empty_cell = load_fails("\n".join([*lines[:5], "0.1,", *lines[5:]]).encode(), "a.csv")
    ragged = load_fails("\n".join([*lines[:5], "0.1,0.2,0.3", *lines[5:]]).encode(), "a.csv")

    assert empty_cell == "CSV row 6, column 2: is empty"
    assert "CSV row 6 has 3 columns but the first row has 2" in ragged


def test_csv_index_column_without_header_is_refused(ecg):
    rows = np.column_stack([np.arange(ecg.size), ecg])

    assert "column 1 increases steadily" in load_fails(csv_bytes(rows), filename="a.csv")


def test_csv_with_header_only_is_refused():
    assert "no data rows" in load_fails(b"time,MLII\n", filename="a.csv")


# Unhappy paths: format ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"\x00\x01\x02\x03" * 100, "100.bin"),
        (b"PK\x05\x06" + b"\x00" * 18, "a.txt"),
    ],
)
def test_unknown_format_lists_the_supported_ones(content, filename):
    message = load_fails(content, filename=filename)

    assert "unsupported file format" in message
    assert all(extension in message for extension in (".npy", ".json", ".csv"))


def test_empty_file_is_refused():
    assert load_fails(b"", filename="a.csv") == "the file is empty"


# Properties --------------------------------------------------------------------------------


def _as_file(samples: np.ndarray, file_format: str) -> bytes:
    if file_format == "npy":
        return npy_bytes(samples)
    if file_format == "json":
        return json.dumps({"signal": samples.tolist(), "sampling_rate_hz": 128}).encode()
    return csv_bytes(samples.T)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    samples=arrays(
        np.float32,
        st.tuples(st.integers(1, 3), st.integers(1024, 1100)),
        elements=st.floats(-5.0, 5.0, width=32),
    ),
    file_format=st.sampled_from(["npy", "json", "csv"]),
)
def test_any_plausible_signal_round_trips_exactly(samples, file_format):
    assume(np.ptp(samples, axis=1).max() >= 1e-5)  # well above the 1-µV flat-signal threshold

    signal = load_signal(
        _as_file(samples, file_format),
        filename=f"ecg.{file_format}",
        sampling_rate_hz=REFERENCE_RATE_HZ,
    )

    assert signal.format == file_format
    np.testing.assert_array_equal(signal.samples, samples)


@settings(max_examples=200, deadline=None)
@given(
    content=st.binary(max_size=300),
    filename=st.sampled_from(["a.npy", "a.json", "a.csv", "a.txt", "a"]),
    prefix=st.sampled_from([b"", b"\x93NUMPY\x01\x00", b'{"signal": [', b"time,MLII\n"]),
)
def test_arbitrary_bytes_give_a_signal_or_invalid_recording(content, filename, prefix):
    try:
        load_signal(prefix + content, filename=filename, sampling_rate_hz=REFERENCE_RATE_HZ)
    except InvalidRecording as exc:
        assert str(exc)


def test_a_wfdb_record_reads_its_leads_names_and_rate():
    from classifier.core.signal import load_wfdb_record
    from tests.classifier.test_annotations import MITDB

    signal = load_wfdb_record(MITDB / "100.hea")
    assert signal.lead_names == ("MLII", "V5")
    assert signal.original_sampling_rate_hz == 360.0 and signal.format == "wfdb"
    assert signal.n_samples == 231_112  # 650,000 samples at 360 Hz, resampled to 128 Hz
    assert signal.with_leads(["V5"]).lead_names == ("V5",)


def test_a_wfdb_record_over_the_size_limit_is_refused_before_reading():
    from classifier.core.signal import RecordingTooLarge, SignalLimits, load_wfdb_record
    from tests.classifier.test_annotations import MITDB

    with pytest.raises(RecordingTooLarge, match="the limit is"):
        load_wfdb_record(MITDB / "100.hea", limits=SignalLimits(max_size_bytes=1_000_000))


def test_a_wfdb_rate_that_disagrees_with_the_header_is_refused():
    from classifier.core.signal import load_wfdb_record
    from tests.classifier.test_annotations import MITDB

    with pytest.raises(InvalidRecording, match="360"):
        load_wfdb_record(MITDB / "100.hea", sampling_rate_hz=250)
