"""Who an ECG belongs to and when it was taken: the patient details a recording may carry.

Pure: typed on the upload form or API, or read from a file header (EDF/WFDB carry some);
``patient_details`` validates them once, whatever the source, raising ``InvalidInput``
with a message for the user.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from classifier.core.errors import InvalidInput

SEXES = ("female", "male", "other", "unknown")
PATIENT_REF_MAX_LENGTH = 64
# Letters, digits and . _ - : / are what MRNs and pseudonyms use; spaces are not allowed
# inside (a reference is a key, typed the same way each time), nor anything that is markup.
PATIENT_REF_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
PATIENT_REF_HELP = (
    "MRN or pseudonym: letters, digits and . _ - : (at most 64, starting with a letter or digit)"
)
EARLIEST_BIRTH_YEAR = 1880
EARLIEST_ACQUISITION = dt.datetime(1950, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class PatientDetails:
    """What is known of the patient; empty strings and None for what is not."""

    ref: str = ""
    acquired_at: dt.datetime | None = None  # timezone-aware
    sex: str = ""  # one of SEXES, or ""
    birth_year: int | None = None

    def fields(self) -> dict:
        """As the Recording's columns."""
        return {
            "patient_ref": self.ref,
            "acquired_at": self.acquired_at,
            "patient_sex": self.sex,
            "patient_birth_year": self.birth_year,
        }


def patient_ref_clean(value: str | None) -> str:
    ref = (value or "").strip()
    if ref and not PATIENT_REF_PATTERN.fullmatch(ref):
        raise InvalidInput(f"patient reference {ref[:70]!r} is not valid: {PATIENT_REF_HELP}")
    return ref


def patient_details(
    *,
    ref: str | None = "",
    acquired_at: dt.datetime | None = None,
    sex: str | None = "",
    birth_year: int | None = None,
    now: dt.datetime | None = None,
) -> PatientDetails:
    """Validated patient details. ``acquired_at`` must be timezone-aware, not in the future;
    ``birth_year`` not after the acquisition (or this) year."""
    now = now or dt.datetime.now(dt.UTC)
    ref = patient_ref_clean(ref)
    sex = (sex or "").strip().lower()
    if sex and sex not in SEXES:
        raise InvalidInput(f"sex must be one of {', '.join(SEXES)}")
    if acquired_at is not None:
        if acquired_at.tzinfo is None:
            raise InvalidInput("the acquisition time needs a time zone")
        if acquired_at > now + dt.timedelta(minutes=5):
            raise InvalidInput("the acquisition time is in the future")
        if acquired_at < EARLIEST_ACQUISITION:
            raise InvalidInput(f"the acquisition time is before {EARLIEST_ACQUISITION:%Y}")
    if birth_year is not None:
        latest = (acquired_at or now).year
        if not EARLIEST_BIRTH_YEAR <= birth_year <= latest:
            raise InvalidInput(f"year of birth must be between {EARLIEST_BIRTH_YEAR} and {latest}")
    return PatientDetails(ref=ref, acquired_at=acquired_at, sex=sex, birth_year=birth_year)
