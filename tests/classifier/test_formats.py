"""The format-reader registry (classifier.core.formats) on real PhysioNet recordings.

Every reader is tested on real recordings from the shared data folder, converted here with
the format's own library (edfio, wfdb, scipy.io, h5py), and must give the samples of the
.npy within the format's quantisation. The unhappy paths assert on the uploader's message.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import tempfile
import zipfile
from pathlib import Path

import edfio
import h5py
import numpy as np
import pytest
import wfdb
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.io import savemat

from classifier.core import formats
from classifier.core.errors import InvalidRecording, RecordingTooLarge, SamplingRateRequired
from classifier.core.formats import wfdbzip
from classifier.core.signal import (
    REFERENCE_RATE_HZ,
    EcgSignal,
    SignalLimits,
    load_signal,
    load_wfdb_record,
)
from tests.classifier.test_annotations import MITDB

CHF02 = ("chfdb-chf02-ECG1", "chfdb-chf02-ECG2")
MV_PER_ADU = 1 / 200  # WFDB fmt 16 at the MIT-BIH gain


@pytest.fixture(scope="module")
def two_leads(ecg_dir) -> np.ndarray:
    """60 s of both leads of the real CHF record chf02: float32[2, 7680] mV at 128 Hz."""
    return np.stack([np.load(ecg_dir / "recordings" / f"{name}.npy")[:7680] for name in CHF02])


def load(content: bytes, filename: str, **kwargs) -> EcgSignal:
    return load_signal(content, filename=filename, **kwargs)


def load_fails(content: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(InvalidRecording) as excinfo:
        load_signal(content, filename=filename, **kwargs)
    return str(excinfo.value)


def edf_bytes(signals: list[edfio.EdfSignal], **kwargs) -> bytes:
    buffer = io.BytesIO()
    edfio.Edf(signals, **kwargs).write(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def record_files(folder: Path, record: str, suffixes=(".hea", ".dat", ".atr")) -> dict[str, bytes]:
    return {
        f"{record}{suffix}": (folder / f"{record}{suffix}").read_bytes()
        for suffix in suffixes
        if (folder / f"{record}{suffix}").is_file()
    }


def mat73_bytes(tmp_path: Path, variables: dict[str, np.ndarray]) -> bytes:
    """A MATLAB v7.3 file as MATLAB writes it: a 512-byte user block with the MAT header,
    then HDF5; MATLAB stores matrices column-major, so [leads x n] lands as (n, leads)."""
    path = tmp_path / "v73.mat"
    with h5py.File(path, "w", userblock_size=512) as file:
        for name, value in variables.items():
            dataset = file.create_dataset(name, data=np.asarray(value).T)
            dataset.attrs["MATLAB_class"] = np.bytes_("double")
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Nov 30 12:00:00 2026 HDF5"
    with open(path, "r+b") as file:
        file.write(header.ljust(128, b" "))
    return path.read_bytes()


# The registry ------------------------------------------------------------------------------


def test_every_format_is_registered_once_with_its_extensions():
    names = [reader.name for reader in formats.READERS]
    assert names == ["npy", "edf", "mat", "wfdb", "json", "csv"]
    assert len(set(formats.extensions())) == len(formats.extensions())
    assert {".npy", ".edf", ".mat", ".zip", ".json", ".csv"} == set(formats.extensions())
    for reader in formats.READERS:
        assert formats.reader_for_suffix(reader.extensions[0].upper()) is reader
        assert reader.extensions[0] in formats.formats_help()


def test_upload_form_and_api_list_the_registered_formats():
    from classifier.api.serializers import RecordingUploadSerializer
    from classifier.forms import UploadForm

    form = UploadForm()
    assert form.fields["file"].widget.attrs["accept"] == ",".join(formats.extensions())
    api_help = str(RecordingUploadSerializer().fields["file"].help_text)
    for suffix in formats.extensions():
        assert suffix in str(form.fields["file"].help_text)
        assert suffix in api_help


def test_stored_file_names_keep_every_registered_extension():
    from classifier.models import Recording, recording_upload_path

    recording = Recording(uploaded_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    for suffix in formats.extensions():
        assert recording_upload_path(recording, f"x{suffix.upper()}").endswith(suffix)
    assert recording_upload_path(recording, "../../etc/passwd").endswith(".bin")


# EDF / EDF+ --------------------------------------------------------------------------------


def test_edf_plus_gives_the_npy_samples_names_units_rate_and_patient_header(two_leads):
    content = edf_bytes(
        [
            edfio.EdfSignal(
                two_leads[0].astype(np.float64), 128, label="ECG1", physical_dimension="mV"
            ),
            edfio.EdfSignal(
                two_leads[1].astype(np.float64) * 1000, 128, label="ECG2", physical_dimension="uV"
            ),
        ],
        patient=edfio.Patient(code="MCH-0234567", sex="F", birthdate=dt.date(1951, 5, 2)),
        recording=edfio.Recording(startdate=dt.date(2024, 1, 2)),
        starttime=dt.time(10, 11, 12),
    )

    signal = load(content, "chf02.edf")  # no rate given: the header's is used

    assert signal.format == "edf"
    assert signal.original_sampling_rate_hz == 128.0
    assert signal.lead_names == ("ECG1", "ECG2")
    assert signal.units == ("mV", "uV")
    # 16-bit EDF: one digital step is the lead's physical range / 65535 (~0.03 µV here).
    step_mv = np.ptp(two_leads, axis=1, keepdims=True) / 65535
    assert np.all(np.abs(signal.samples - two_leads) <= step_mv)
    assert signal.metadata.patient_id == "MCH-0234567"
    assert signal.metadata.sex == "F" and signal.metadata.birth_year == 1951
    assert signal.metadata.start == dt.datetime(2024, 1, 2, 10, 11, 12)


def test_edf_at_the_native_rate_of_a_wfdb_record_equals_the_record():
    record = wfdb.rdrecord(str(MITDB / "100"), physical=True, sampto=360 * 60)
    content = edf_bytes(
        [
            edfio.EdfSignal(record.p_signal[:, k], 360, label=name, physical_dimension="mV")
            for k, name in enumerate(record.sig_name)
        ]
    )

    signal = load(content, "100.edf")
    reference = load(zip_bytes(_wfdb_record_at(record)), "100.zip")

    assert signal.original_sampling_rate_hz == 360.0
    assert signal.lead_names == ("MLII", "V5")
    assert signal.metadata.patient_id is None and signal.metadata.start is None  # anonymised
    np.testing.assert_allclose(signal.samples, reference.samples, atol=2e-3)


def _wfdb_record_at(record) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as folder:
        wfdb.wrsamp(
            "r",
            fs=record.fs,
            units=record.units,
            sig_name=record.sig_name,
            p_signal=record.p_signal,
            fmt=["16"] * record.n_sig,
            adc_gain=[200.0] * record.n_sig,
            baseline=[0] * record.n_sig,
            write_dir=folder,
        )
        return record_files(Path(folder), "r")


def test_edf_non_voltage_channels_are_left_out(two_leads):
    content = edf_bytes(
        [
            edfio.EdfSignal(
                two_leads[0].astype(np.float64), 128, label="ECG", physical_dimension="mV"
            ),
            edfio.EdfSignal(
                np.linspace(20, 30, 7680), 128, label="Temp", physical_dimension="degC"
            ),
        ]
    )

    assert load(content, "a.edf").lead_names == ("ECG",)


def test_edf_with_a_corrupt_header_is_a_clear_error(two_leads):
    content = bytearray(
        edf_bytes([edfio.EdfSignal(two_leads[0].astype(np.float64), 128, label="ECG")])
    )
    content[236:244] = b"many    "  # the number of data records

    message = load_fails(bytes(content), "a.edf")

    assert "not a readable EDF file: its header is damaged" in message


def test_truncated_edf_is_a_clear_error(two_leads):
    content = edf_bytes([edfio.EdfSignal(two_leads[0].astype(np.float64), 128, label="ECG")])

    assert "EDF file is truncated" in load_fails(content[:-1000], "a.edf")


def test_edf_without_any_voltage_signal_is_refused():
    content = edf_bytes(
        [edfio.EdfSignal(np.linspace(20, 30, 1280), 128, label="Temp", physical_dimension="degC")]
    )

    assert "no signal in a voltage unit" in load_fails(content, "a.edf")


# WFDB (zip) --------------------------------------------------------------------------------


def test_wfdb_zip_of_a_physionet_record_equals_reading_the_record():
    content = zip_bytes(record_files(MITDB, "100"))

    signal = load(content, "100.zip")
    reference = load_wfdb_record(MITDB / "100.hea")

    assert signal.format == "wfdb" and signal.original_sampling_rate_hz == 360.0
    assert signal.lead_names == ("MLII", "V5") and signal.units == ("mV", "mV")
    np.testing.assert_array_equal(signal.samples, reference.samples)
    assert signal.metadata.annotations == len(wfdb.rdann(str(MITDB / "100"), "atr").sample)


def test_wfdb_written_from_the_npy_gives_its_samples(two_leads, tmp_path):
    wfdb.wrsamp(
        "chf02",
        fs=128,
        units=["mV", "mV"],
        sig_name=["ECG1", "ECG2"],
        p_signal=two_leads.T.astype(np.float64),
        fmt=["16", "16"],
        adc_gain=[200.0, 200.0],
        baseline=[0, 0],
        base_date=dt.date(2026, 1, 2),
        base_time=dt.time(8, 30),
        write_dir=str(tmp_path),
    )
    content = zip_bytes({"folder/" + k: v for k, v in record_files(tmp_path, "chf02").items()})

    signal = load(content, "chf02.zip")

    assert signal.lead_names == ("ECG1", "ECG2") and signal.original_sampling_rate_hz == 128.0
    assert np.abs(signal.samples - two_leads).max() <= MV_PER_ADU / 2 + 1e-6
    assert signal.metadata.start == dt.datetime(2026, 1, 2, 8, 30)
    assert signal.metadata.annotations is None  # no .atr in this zip


def test_wfdb_header_without_its_dat_is_a_clear_error():
    content = zip_bytes(record_files(MITDB, "100", suffixes=(".hea", ".atr")))

    message = load_fails(content, "100.zip")

    assert "100.hea names 100.dat, which is missing" in message


@pytest.mark.parametrize("suffix", [".hea", ".dat"])
def test_half_a_wfdb_record_uploaded_alone_is_a_clear_error(suffix):
    message = load_fails((MITDB / f"100{suffix}").read_bytes()[:4096], f"100{suffix}")

    assert "half a WFDB record" in message and ".zip" in message


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("../100.hea", "points outside the archive"),
        ("/etc/100.hea", "points outside the archive"),
        ("a/../../100.hea", "points outside the archive"),
        ("C:\\100.hea", "points outside the archive"),
    ],
)
def test_zip_path_traversal_is_refused(member, expected, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    files = record_files(MITDB, "100", suffixes=(".dat",))
    content = zip_bytes({member: (MITDB / "100.hea").read_bytes(), **files})

    assert expected in load_fails(content, "100.zip")
    assert list(tmp_path.iterdir()) == []  # nothing unpacked is left behind
    assert not (tmp_path.parent / "100.hea").exists()


def test_zip_symlink_member_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("100.dat")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("100.hea", (MITDB / "100.hea").read_bytes())

    assert "is a link" in load_fails(buffer.getvalue(), "100.zip")


def test_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    bomb = zip_bytes({"100.hea": (MITDB / "100.hea").read_bytes(), "100.dat": bytes(40_000_000)})
    assert len(bomb) < 100_000

    assert "a zip bomb?" in load_fails(bomb, "100.zip")
    assert list(tmp_path.iterdir()) == []


def test_zip_over_the_size_limit_once_unpacked_is_refused():
    files = record_files(MITDB, "100")
    content = zip_bytes(files)
    unpacked = sum(map(len, files.values()))
    limit = (len(content) + unpacked) // 2  # the zip fits, what it unpacks to does not
    assert len(content) < limit < unpacked

    with pytest.raises(RecordingTooLarge, match="unpacks to"):
        load_signal(content, filename="100.zip", limits=SignalLimits(max_size_bytes=limit))


def test_zip_member_lying_about_its_size_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    content = bytearray(zip_bytes({"100.hea": b"x" * 64, "100.dat": bytes(5000)}))
    # The central directory now claims the .dat holds 100 bytes: unpacking must stop there.
    entry = bytes(content).rfind(b"PK\x01\x02")
    content[entry + 24 : entry + 28] = (100).to_bytes(4, "little")

    message = load_fails(bytes(content), "100.zip")

    assert "zip" in message
    assert list(tmp_path.iterdir()) == []


def test_zip_with_too_many_members_is_refused():
    content = zip_bytes({f"{k}.txt": b"x" for k in range(wfdbzip.MAX_MEMBERS + 1)})

    assert "at most 32" in load_fails(content, "a.zip")


def test_zip_with_two_records_is_refused():
    content = zip_bytes({**record_files(MITDB, "100"), **record_files(MITDB, "101")})

    assert "exactly one record header" in load_fails(content, "two.zip")


def test_no_temporary_folder_is_left_after_a_good_or_a_bad_zip(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    load(zip_bytes(record_files(MITDB, "100")), "100.zip")
    load_fails(zip_bytes(record_files(MITDB, "100", suffixes=(".hea",))), "100.zip")

    assert list(tmp_path.iterdir()) == []


# MATLAB .mat -------------------------------------------------------------------------------


def test_mat_v5_with_rate_and_lead_names_gives_the_npy_samples(two_leads):
    buffer = io.BytesIO()
    savemat(buffer, {"signal": two_leads, "fs": 128.0, "leads": np.array(["ECG1", "ECG2"])})

    signal = load(buffer.getvalue(), "chf02.mat")

    assert signal.format == "mat" and signal.original_sampling_rate_hz == 128.0
    assert signal.lead_names == ("ECG1", "ECG2")
    np.testing.assert_array_equal(signal.samples, two_leads)


def test_mat_v5_ecgdata_struct_without_rate_needs_the_rate(two_leads):
    buffer = io.BytesIO()
    savemat(buffer, {"ECGData": {"Data": two_leads.astype(np.float64), "Labels": ["C", "C"]}})

    with pytest.raises(SamplingRateRequired):
        load(buffer.getvalue(), "ECGData.mat")
    signal = load(buffer.getvalue(), "ECGData.mat", sampling_rate_hz=128)

    np.testing.assert_array_equal(signal.samples, two_leads)


def test_mat_v73_gives_the_npy_samples(two_leads, tmp_path):
    content = mat73_bytes(
        tmp_path, {"val": two_leads.astype(np.float64), "fs": np.array([[128.0]])}
    )

    signal = load(content, "chf02.mat")

    assert signal.format == "mat" and signal.original_sampling_rate_hz == 128.0
    assert signal.lead_names == ("lead 1", "lead 2")
    np.testing.assert_array_equal(signal.samples, two_leads)


def test_mat_without_a_numeric_array_is_a_clear_error(tmp_path):
    buffer = io.BytesIO()
    savemat(buffer, {"note": "no samples here", "fs": 128.0})

    message = load_fails(buffer.getvalue(), "a.mat")

    assert "holds no numeric array" in message and "note" in message


def test_mat_v73_without_a_numeric_array_is_a_clear_error(tmp_path):
    content = mat73_bytes(tmp_path, {"fs": np.array([[128.0]])})

    assert "holds no numeric array" in load_fails(content, "a.mat")


def test_mat_with_several_unnamed_arrays_asks_which(two_leads):
    buffer = io.BytesIO()
    savemat(buffer, {"a": two_leads[0], "b": two_leads[1]})

    assert "several numeric arrays (a, b)" in load_fails(
        buffer.getvalue(), "a.mat", sampling_rate_hz=128
    )


def test_mat_that_is_not_v5_or_v73_is_refused():
    message = load_fails(b"\x00\x01\x02\x03" * 100, "old.mat")

    assert "neither a v5/v7 nor a v7.3 header" in message


def test_damaged_mat_v5_is_a_clear_error(two_leads):
    buffer = io.BytesIO()
    savemat(buffer, {"signal": two_leads})

    assert "not a readable MATLAB .mat file" in load_fails(buffer.getvalue()[:400], "a.mat")


# Robustness: any bytes with a format's magic give a signal or a clear error ---------------


@settings(max_examples=150, deadline=None)
@given(
    content=st.binary(max_size=600),
    filename=st.sampled_from(["a.edf", "a.mat", "a.zip", "a"]),
    prefix=st.sampled_from(
        [b"0       ", b"MATLAB 5.0 MAT-file", b"MATLAB 7.3 MAT-file", b"PK\x03\x04", b""]
    ),
)
def test_arbitrary_bytes_with_a_magic_give_a_signal_or_invalid_recording(content, filename, prefix):
    try:
        load_signal(prefix + content, filename=filename, sampling_rate_hz=REFERENCE_RATE_HZ)
    except InvalidRecording as exc:
        assert str(exc)


# Time base ---------------------------------------------------------------------------------


def csv_with_time(samples: np.ndarray, times: np.ndarray, header: str, decimals: int = 6) -> bytes:
    lines = [f"{header},ECG1,ECG2"]
    rows = zip(times, samples.T.tolist(), strict=True)
    lines += [f"{t:.{decimals}f},{a!r},{b!r}" for t, (a, b) in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("header", "scale", "decimals"),
    [("time", 1.0, 6), ("t", 1.0, 3), ("seconds", 1.0, 4), ("time (ms)", 1e3, 1), ("ms", 1e3, 0)],
)
def test_csv_time_column_gives_the_rate(header, scale, decimals):
    record = wfdb.rdrecord(str(MITDB / "100"), physical=True, sampto=360 * 20)
    times = np.arange(record.sig_len) / 360.0 * scale
    content = csv_with_time(record.p_signal.T, times, header, decimals)

    signal = load(content, "100.csv")

    assert signal.original_sampling_rate_hz == 360.0
    assert signal.lead_names == ("ECG1", "ECG2")
    assert signal.duration_s == pytest.approx(20.0, abs=0.01)


def test_csv_time_column_with_a_gap_is_a_clear_error(two_leads):
    times = np.arange(two_leads.shape[1]) / 128.0
    times[3000:] += 1.0  # one second of samples missing

    message = load_fails(csv_with_time(two_leads, times, "time"), "a.csv")

    assert "not evenly spaced" in message


def test_csv_time_column_that_disagrees_with_the_given_rate_is_a_conflict(two_leads):
    content = csv_with_time(two_leads, np.arange(two_leads.shape[1]) / 128.0, "time")

    assert "conflicting sampling rates" in load_fails(content, "a.csv", sampling_rate_hz=360)


@pytest.mark.parametrize(
    ("content", "filename", "what"),
    [
        (None, "a.npy", "NPY"),
        ("csv", "a.csv", "time column"),
        ("json", "a.json", "JSON"),
    ],
)
def test_a_file_without_a_rate_asks_for_it(two_leads, content, filename, what):
    if content is None:
        buffer = io.BytesIO()
        np.save(buffer, two_leads)
        data = buffer.getvalue()
    elif content == "csv":
        data = ("ECG1,ECG2\n" + "\n".join(f"{a},{b}" for a, b in two_leads.T)).encode()
    else:
        data = json.dumps({"signal": two_leads.tolist()}).encode()

    with pytest.raises(SamplingRateRequired) as excinfo:
        load(data, filename)

    assert "does not state its sampling rate" in str(excinfo.value)
    assert what in str(excinfo.value)
    assert load(data, filename, sampling_rate_hz=128).original_sampling_rate_hz == 128.0


def test_a_wfdb_header_pointing_outside_its_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    header = (MITDB / "100.hea").read_text().replace("100.dat", "../../../../etc/hostname")

    message = load_fails(zip_bytes({"100.hea": header.encode()}), "100.zip")

    assert "not a readable WFDB header" in message  # wfdb's grammar allows no folders
    assert list(tmp_path.iterdir()) == []


def _content_of_every_format(two_leads: np.ndarray, tmp_path: Path) -> dict[str, bytes]:
    edf = edf_bytes(
        [
            edfio.EdfSignal(
                lead.astype(np.float64), 128, label=f"ECG{k + 1}", physical_dimension="mV"
            )
            for k, lead in enumerate(two_leads)
        ]
    )
    mat5 = io.BytesIO()
    savemat(mat5, {"signal": two_leads, "fs": 128.0})
    npy = io.BytesIO()
    np.save(npy, two_leads)
    return {
        "a.npy": npy.getvalue(),
        "a.edf": edf,
        "a5.mat": mat5.getvalue(),
        "a73.mat": mat73_bytes(
            tmp_path, {"signal": two_leads.astype(np.float64), "fs": np.array(128.0)}
        ),
        "100.zip": zip_bytes(record_files(MITDB, "100")),
        "a.json": json.dumps({"signal": two_leads.tolist(), "sampling_rate_hz": 128}).encode(),
        "a.csv": csv_with_time(two_leads, np.arange(two_leads.shape[1]) / 128.0, "time"),
    }


def test_every_format_reads_the_same_from_a_file_on_disk_as_from_its_bytes(two_leads, tmp_path):
    from classifier.core.signal import load_signal_file

    contents = _content_of_every_format(two_leads, tmp_path)
    assert {Path(name).suffix for name in contents} == set(formats.extensions())
    for name, content in contents.items():
        path = tmp_path / name
        path.write_bytes(content)
        rate = 128 if name.endswith(".npy") else None

        from_disk = load_signal_file(path, sampling_rate_hz=rate)
        from_bytes = load(content, name, sampling_rate_hz=rate)

        assert from_disk.format == from_bytes.format, name
        assert from_disk.lead_names == from_bytes.lead_names, name
        np.testing.assert_array_equal(from_disk.samples, from_bytes.samples, err_msg=name)


def test_a_csv_on_disk_is_read_line_by_line_with_the_same_errors(two_leads, tmp_path):
    from classifier.core.signal import load_signal_file

    good = tmp_path / "a.csv"
    good.write_bytes(b"\xef\xbb\xbf" + csv_with_time(two_leads, np.arange(7680) / 128.0, "t"))
    utf16 = tmp_path / "b.csv"
    utf16.write_text(good.read_text(encoding="utf-8-sig"), encoding="utf-16")
    binary = tmp_path / "c.csv"
    binary.write_bytes(good.read_bytes()[:5000] + b"\xff\xfe\x00\x81" * 10)

    for path in (good, utf16):
        signal = load_signal_file(path)
        assert signal.original_sampling_rate_hz == 128.0 and signal.lead_names == ("ECG1", "ECG2")
        np.testing.assert_array_equal(signal.samples, two_leads)
    with pytest.raises(InvalidRecording, match=r"^the \.csv file is not text"):
        load_signal_file(binary)
