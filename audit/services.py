"""Write and verify audit events. One writer, ``record``, called by services, views, the
permission helper and the auth signal handlers.

Every event is chained to the one before it: ``hash = sha256(canonical content of the event
+ previous_hash)``, so editing, deleting or reordering a stored row breaks the chain and
``manage.py verify_audit`` names the first bad event. Appends are serialised (one chain head
at a time) so concurrent writers can never fork the chain; see docs/audit.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from audit.models import AuditEvent

logger = logging.getLogger("wavecardio.audit")

GENESIS_HASH = ""  # previous_hash of the first event
# Part of every digest, so a future format change cannot be confused with these two.
CHAIN_SCHEME = "v1"  # plain sha256
CHAIN_SCHEME_KEYED = "v1-hmac"  # HMAC-SHA256 with AUDIT_CHAIN_KEY
# Key of the PostgreSQL transaction-level advisory lock that serialises appends
# (an arbitrary 63-bit constant: "wavecard" in ASCII).
APPEND_LOCK_KEY = 0x7761766563617264


class Action:
    """Audit action names (stable strings: they are stored and filtered on)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    SIGNUP = "signup"
    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    ACCOUNT_ACTIVATED = "account_activated"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    RECORDING_UPLOADED = "recording_uploaded"
    UPLOAD_REJECTED = "upload_rejected"
    UPLOAD_DUPLICATE = "upload_duplicate"  # the same file again: the existing one offered
    RECORDING_VIEWED = "recording_viewed"
    RECORDING_DOWNLOADED = "recording_downloaded"
    RECORDING_DELETED = "recording_deleted"
    RECORDING_SIGNAL_PURGED = "recording_signal_purged"  # retention: file gone, results kept
    USER_DATA_EXPORTED = "user_data_exported"
    PREDICTION_REQUESTED = "prediction_requested"
    PREDICTION_COMPLETED = "prediction_completed"
    PREDICTION_FAILED = "prediction_failed"
    PREDICTION_REQUEUED = "prediction_requeued"  # the reconciler queued it again
    SIGNAL_CLASSIFIED = "signal_classified"  # stateless: nothing stored but this event
    OVERREAD_RECORDED = "overread_recorded"  # signed: the over-read is locked
    OVERREAD_AMENDED = "overread_amended"  # a signed over-read changed, with a reason
    WORKLIST_VIEWED = "worklist_viewed"
    PATIENT_VIEWED = "patient_viewed"
    PATIENT_DETAILS_CHANGED = "patient_details_changed"
    REPORT_DOWNLOADED = "report_downloaded"
    RECORDINGS_EXPORTED = "recordings_exported"
    USER_INVITED = "user_invited"
    INVITATION_ACCEPTED = "invitation_accepted"
    MODEL_VERSION_ACTIVATED = "model_version_activated"
    MODEL_VERSION_SHADOWED = "model_version_shadowed"
    TOKEN_CREATED = "api_token_created"  # noqa: S105 (an action name, not a secret)
    TOKEN_REVOKED = "api_token_revoked"  # noqa: S105
    WEBHOOK_CREATED = "webhook_created"
    WEBHOOK_DELETED = "webhook_deleted"
    ACCESS_DENIED = "access_denied"
    AUDIT_VIEWED = "audit_viewed"
    AUDIT_EXPORTED = "audit_exported"

    @classmethod
    def all(cls) -> list[str]:
        return sorted(
            value for name, value in vars(cls).items() if name.isupper() and isinstance(value, str)
        )


def client_ip(request) -> str | None:
    """The peer address as Django sees it (REMOTE_ADDR), normalised; None if not an IP.

    Behind a reverse proxy, set REMOTE_ADDR from the proxy's header in the proxy/WSGI layer
    (e.g. gunicorn ``forwarded_allow_ips``); a client-supplied X-Forwarded-For is never trusted.
    """
    if request is None:
        return None
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return None
    # The same text the IP column gives back (IPv4-mapped IPv6 stays dotted), for the digest.
    return clean_ipv6_address(str(address)) if address.version == 6 else str(address)


def _json_safe(details: dict[str, Any] | None) -> dict[str, Any]:
    """``details`` exactly as it reads back from the JSON column (so the digest matches)."""
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII kept: one text for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_keys() -> list[bytes]:
    """AUDIT_CHAIN_KEY (signs new events) then AUDIT_CHAIN_KEY_FALLBACKS (verify older ones)."""
    keys = [
        getattr(settings, "AUDIT_CHAIN_KEY", ""),
        *getattr(settings, "AUDIT_CHAIN_KEY_FALLBACKS", []),
    ]
    return [key.encode() for key in keys if key]


def event_digest(event: AuditEvent, key: bytes | None = None) -> str:
    """Hex digest over the event's canonical content and its ``previous_hash``: sha256, or
    HMAC-SHA256 with ``key`` (then rewriting the chain needs the key, not only the database).

    Canonical form: a JSON object with sorted keys, no whitespace, UTF-8; timestamps in UTC
    with microseconds. The row id is not part of it: order is proven by ``previous_hash``.
    """
    content = {
        "scheme": CHAIN_SCHEME_KEYED if key else CHAIN_SCHEME,
        "created_at": _timestamp(event.created_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "outcome": event.outcome,
        "details": event.details,
        "previous_hash": event.previous_hash,
    }
    data = canonical_json(content).encode("utf-8")
    if key:
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _lock_chain_head(using: str) -> None:
    """Serialise appends until the surrounding transaction ends.

    PostgreSQL: a transaction-level advisory lock, so the head read below and the insert are
    one critical section and row ids follow chain order. SQLite: its database-wide write lock
    already lets one writer at a time through (a second writer fails, it never forks).
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])


def record(
    action: str,
    *,
    actor=None,
    request=None,
    target=None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``target`` is a model instance (its class name and pk are stored).

    ``details`` must never carry signal data, passwords or tokens.
    """
    session_user = getattr(request, "user", None)
    if actor is None and session_user is not None and session_user.is_authenticated:
        actor = session_user
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username()[:254] if actor is not None else "",
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:512] if request else ""),
        action=action[:64],
        target_type=type(target).__name__[:64] if target is not None else "",
        target_id=str(target.pk)[:64] if target is not None else "",
        outcome=outcome,
        details=_json_safe(details),
    )
    using = router.db_for_write(AuditEvent)
    with transaction.atomic(using=using):
        _lock_chain_head(using)
        head = AuditEvent.objects.using(using).order_by("-id").values_list("hash", flat=True)
        event.previous_hash = head.first() or GENESIS_HASH
        event.hash = event_digest(event, next(iter(chain_keys()), None))
        event.save(using=using)
    logger.info(
        "audit_appended id=%s action=%s outcome=%s hash=%s", event.pk, action, outcome, event.hash
    )
    return event


@dataclass(frozen=True)
class ChainVerdict:
    """The result of checking the whole chain, oldest event first."""

    checked: int
    head_hash: str
    bad_event_id: int | None = None
    reason: str = ""
    keyed: int = 0  # events signed with an AUDIT_CHAIN_KEY (the rest: plain sha256)

    @property
    def intact(self) -> bool:
        return self.bad_event_id is None


def _digest_matches(event: AuditEvent, keys: list[bytes], *, plain_allowed: bool) -> str | None:
    """Which scheme's digest equals the stored hash: "keyed", "plain", or None (edited)."""
    if any(hmac.compare_digest(event.hash, event_digest(event, key)) for key in keys):
        return "keyed"
    if plain_allowed and hmac.compare_digest(event.hash, event_digest(event)):
        return "plain"
    return None


def verify_chain(events: Iterable[AuditEvent] | None = None) -> ChainVerdict:
    """Walk the chain in id order; stop at the first event whose link or digest is wrong.

    - an edited row: its recomputed digest differs from its stored ``hash``;
    - a deleted row: the next event's ``previous_hash`` names a hash no longer before it;
    - reordered rows: an event's ``previous_hash`` is not the hash of the event before it.
    Plain-sha256 events are accepted only before the first keyed one (written before
    AUDIT_CHAIN_KEY was set). Deleting the newest events leaves a shorter valid chain:
    compare ``head_hash`` with a head recorded elsewhere (``audit_appended`` log lines).
    """
    if events is None:
        events = AuditEvent.objects.order_by("id").iterator(chunk_size=2000)
    keys = chain_keys()
    expected_previous = GENESIS_HASH
    checked = keyed = 0
    for event in events:
        if event.previous_hash != expected_previous:
            return ChainVerdict(
                checked,
                expected_previous,
                event.pk,
                "previous_hash does not match the event before it "
                "(an event was deleted or the rows were reordered)",
                keyed,
            )
        scheme = _digest_matches(event, keys, plain_allowed=keyed == 0)
        if scheme is None:
            return ChainVerdict(
                checked,
                expected_previous,
                event.pk,
                "content does not match its hash (the row was edited)",
                keyed,
            )
        keyed += scheme == "keyed"
        expected_previous = event.hash
        checked += 1
        newest = event.pk
    if keys and checked and not keyed:
        return ChainVerdict(
            checked,
            expected_previous,
            newest,
            "no event is signed although AUDIT_CHAIN_KEY is set "
            "(the chain was rewritten without the key, or nothing was written since it was set)",
        )
    return ChainVerdict(checked, expected_previous, keyed=keyed)
