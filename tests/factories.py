"""Factories (factory-boy) for users, tokens, recordings, predictions and over-reads, and
long WFDB recordings built from MIT-BIH."""

import hashlib
import io
from pathlib import Path

import factory
import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import ApiToken
from accounts.roles import Role
from bench.holter_record import write_mitdb_holter, zip_record
from classifier.models import ModelVersion, OverRead, Prediction, Recording

PASSWORD = "correct horse battery"  # every factory user's password


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A user; ``roles=[Role.CLINICIAN]`` adds the role groups."""

    class Meta:
        model = get_user_model()  # Django's default User (typed as such above)
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(user: User, create, extracted, **kwargs):
        if create:
            user.save()
        for role in extracted or []:
            user.groups.add(Group.objects.get(name=Role(role).value))


class ApiTokenFactory(factory.django.DjangoModelFactory[ApiToken]):
    """An API token; ``ApiTokenFactory(key="wc_...")`` sets a known key (only its hash is
    stored, as the service does)."""

    class Meta:
        model = ApiToken

    class Params:
        key = factory.Sequence(lambda n: f"wc_factory-key-{n:06d}")

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"script {n}")
    prefix = factory.LazyAttribute(lambda token: token.key[:8])
    key_hash = factory.LazyAttribute(lambda token: ApiToken.hash_key(token.key))


class ModelVersionFactory(factory.django.DjangoModelFactory[ModelVersion]):
    """A registered model version (no files needed unless a test runs it)."""

    class Meta:
        model = ModelVersion
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"test-model-{n}")
    card_file = factory.LazyAttribute(lambda version: f"{version.name}.json")
    sha256 = "0" * 64


class RecordingFactory(factory.django.DjangoModelFactory[Recording]):
    """A stored recording: a real 10-s single-lead .npy (a 1-mV 1-Hz sine), checksummed."""

    class Meta:
        model = Recording

    class Params:
        samples = factory.LazyFunction(
            lambda: np.sin(2 * np.pi * np.arange(1280) / 128).astype(np.float32)
        )

    owner = factory.SubFactory(UserFactory, roles=[Role.CLINICIAN])
    original_filename = factory.Sequence(lambda n: f"ecg-{n}.npy")
    file_format = "npy"
    sampling_rate_hz = 128.0
    n_samples = factory.LazyAttribute(lambda r: len(r.samples))
    duration_s = factory.LazyAttribute(lambda r: len(r.samples) / r.sampling_rate_hz)
    leads = factory.LazyFunction(lambda: ["ECG"])
    uploaded_at = factory.LazyFunction(timezone.now)
    file = factory.LazyAttribute(lambda r: ContentFile(_npy(r.samples), name=r.original_filename))
    size_bytes = factory.LazyAttribute(lambda r: len(_npy(r.samples)))
    sha256 = factory.LazyAttribute(lambda r: hashlib.sha256(_npy(r.samples)).hexdigest())


class PredictionFactory(factory.django.DjangoModelFactory[Prediction]):
    """A finished, shown prediction answering NSR."""

    class Meta:
        model = Prediction

    recording = factory.SubFactory(RecordingFactory)
    model_version = factory.SubFactory(ModelVersionFactory)
    status = Prediction.Status.DONE
    label = "NSR"
    top_class = "NSR"
    confidence = 0.9
    probabilities = factory.LazyFunction(lambda: {"ARR": 0.08, "CHF": 0.02, "NSR": 0.9})
    finished_at = factory.LazyFunction(timezone.now)


class OverReadFactory(factory.django.DjangoModelFactory[OverRead]):
    class Meta:
        model = OverRead

    prediction = factory.SubFactory(PredictionFactory)
    reviewer = factory.SubFactory(UserFactory, roles=[Role.REVIEWER])
    label = "NSR"
    agrees = factory.LazyAttribute(lambda o: o.label == o.prediction.label)


def _npy(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, samples, allow_pickle=False)
    return buffer.getvalue()


def distinct_copies(path, n: int, folder) -> list:
    """``n`` copies of a recording, each offset by a different microvolt: the same file twice
    from one owner is a duplicate and is not classified again (issue 16)."""
    signal = np.load(path)
    copies = []
    for i in range(n):
        copy = folder / f"{path.stem}-{i}.npy"
        copy.write_bytes(npy_variant(signal, i))
        copies.append(copy)
    return copies


def npy_variant(signal: np.ndarray, i: int) -> bytes:
    """``signal`` offset by ``i`` microvolts as .npy bytes: a distinct upload, not a duplicate."""
    buffer = io.BytesIO()
    np.save(buffer, (signal + np.float32(i * 1e-3)).astype(np.float32))
    return buffer.getvalue()


def mitdb_holter_zip(folder: Path, *, hours: float, records: tuple[str, ...], leads: int = 2):
    """A zipped WFDB record (format 212, 360 Hz) of ``hours`` of MIT-BIH ``records`` played
    one after the other (``bench.holter_record``); the zip's path."""
    return zip_record(write_mitdb_holter(folder, hours=hours, records=records, leads=leads))
