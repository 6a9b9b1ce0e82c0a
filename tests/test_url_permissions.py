"""Who may open what: every URL pattern of the project, for every role, own and other objects.

The patterns are collected from the URL resolver, so an endpoint added without a rule in
``RULES`` fails ``test_every_url_pattern_has_a_rule``. Each rule states, per role, the
expected answer: a status code, or "302 <path>" for a redirect (the query string is ignored;
a path ending in "*" is a prefix). Other users' objects
answer exactly like objects that do not exist (404), so ids leak nothing.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from accounts.roles import Role
from classifier.models import Recording
from tests.factories import ApiTokenFactory, UserFactory

ACTORS = ("anonymous", "no_role", "clinician", "reviewer", "auditor", "operator", "admin")
ACTOR_ROLES = {
    "anonymous": None,
    "no_role": [],
    "clinician": [Role.CLINICIAN],
    "reviewer": [Role.REVIEWER],
    "auditor": [Role.AUDITOR],
    "operator": [Role.OPERATOR],
    "admin": [Role.ADMIN],
}

LOGIN = "302 /login/"
WAIT = "302 /accounts/no-access/"
ADMIN_LOGIN = "302 /admin/login/"
HOME = "302 /"
BACK_TO_RECORDING = "302 /recordings/*"  # the recording's page
BACK_TO_USER = "302 /accounts/users/*"  # an admin's change redirects to the user's page
MY_ACCOUNT = "302 /accounts/me/"
ALLAUTH_LOGIN = "302 /accounts/login/"  # where allauth's own flows send a stray visitor


def by_role(anonymous, no_role, clinician, reviewer, auditor, operator, admin) -> dict:
    """Expected answers in ACTORS order (keeps the table one line per case)."""
    answers = (anonymous, no_role, clinician, reviewer, auditor, operator, admin)
    return dict(zip(ACTORS, answers, strict=True))


def everyone(expected) -> dict:
    return dict.fromkeys(ACTORS, expected)


def signed_in(anonymous, others) -> dict:
    return {"anonymous": anonymous, **dict.fromkeys(ACTORS[1:], others)}


@dataclass(frozen=True)
class Rule:
    """``match``: a URL name, or a route prefix ending in "*" for a whole group.

    ``cases`` maps an object variant to the expected answer per actor: "-" (no object),
    "own"/"other"/"missing" (a recording of the actor, of another clinician, none),
    "user"/"missing_user" (an account to administer, none), or
    "own_token"/"other_token"/"missing_token" (an API token of the actor, of another user, none).
    """

    match: str
    cases: dict[str, dict]
    method: str = "get"
    data: dict = field(default_factory=dict)
    query: str = ""

    def body_kwargs(self) -> dict:
        """PATCH bodies are JSON (the test client would send them as octet-stream)."""
        return {"content_type": "application/json"} if self.method == "patch" else {}


def rule(match, expected, method="get", **kwargs) -> Rule:
    return Rule(match, {"-": expected}, method, **kwargs)


UPLOADER_PAGE = by_role(LOGIN, WAIT, 200, 200, 403, 403, 403)
ADMIN_PAGE = by_role(LOGIN, WAIT, 403, 403, 403, 403, 200)
AUDIT_PAGE = by_role(LOGIN, WAIT, 403, 403, 200, 403, 200)
API_UPLOADERS = by_role(401, 403, 200, 200, 403, 403, 403)
ENTRANCE = signed_in(200, HOME)  # sign-in/sign-up pages send signed-in users home
MANAGE = signed_in(LOGIN, 200)  # allauth's own-account pages need a signed-in user


def own_other_missing(own, other, missing) -> dict:
    return {"own": own, "other": other, "missing": missing}


# Reading a recording: clinicians their own, reviewers everyone's; ids of others leak nothing.
RECORDING_PAGE = own_other_missing(
    own=by_role(LOGIN, WAIT, 200, 200, 403, 403, 403),
    other=by_role(LOGIN, WAIT, 404, 200, 403, 403, 403),
    missing=by_role(LOGIN, WAIT, 404, 404, 403, 403, 403),
)
RECORDING_API = own_other_missing(
    own=by_role(401, 403, 200, 200, 403, 403, 403),
    other=by_role(401, 403, 404, 200, 403, 403, 403),
    missing=by_role(401, 403, 404, 404, 403, 403, 403),
)

# Reads of a finished prediction, on a recording that has none yet: 409 where it is visible.
RECORDING_API_NO_PREDICTION = own_other_missing(
    own=by_role(401, 403, 409, 409, 403, 403, 403),
    other=by_role(401, 403, 404, 409, 403, 403, 403),
    missing=by_role(401, 403, 404, 404, 403, 403, 403),
)


def user_admin(ok) -> dict:
    return {
        "user": by_role(LOGIN, WAIT, 403, 403, 403, 403, ok),
        "missing_user": by_role(LOGIN, WAIT, 403, 403, 403, 403, 404),
    }


RULES: list[Rule] = [
    # Landing and accounts (accounts/urls.py)
    rule("home", by_role(LOGIN, WAIT, "302 /recordings/", "302 /recordings/", 200, 200, 200)),
    rule("accounts:no_access", signed_in(LOGIN, 200)),
    rule("accounts:my_account", signed_in(LOGIN, 200)),
    # API tokens: every account with a role creates its own (201: the page showing the key);
    # each revokes its own, admins anyone's; others' token ids answer like missing ones.
    rule(
        "accounts:api_token_create",
        by_role(LOGIN, 403, 201, 201, 201, 201, 201),
        "post",
        data={"name": "matrix", "days": "90"},
    ),
    Rule(
        "accounts:api_token_revoke",
        {
            "own_token": signed_in(LOGIN, MY_ACCOUNT),
            "other_token": by_role(LOGIN, 404, 404, 404, 404, 404, BACK_TO_USER),
            "missing_token": signed_in(LOGIN, 404),
        },
        "post",
    ),
    rule("accounts:user_list", ADMIN_PAGE),
    rule("accounts:user_invite", ADMIN_PAGE),
    rule("accounts:invitation_accept", everyone(200)),  # "link no longer works" page
    rule("accounts:user_list", ADMIN_PAGE, query="?q=user&status=pending"),
    Rule("accounts:user_detail", user_admin(200)),
    Rule("accounts:user_role_grant", user_admin(BACK_TO_USER), "post", {"role": "reviewer"}),
    Rule("accounts:user_role_revoke", user_admin(BACK_TO_USER), "post", {"role": "clinician"}),
    Rule("accounts:user_activate", user_admin(BACK_TO_USER), "post"),
    Rule("accounts:user_invite_resend", user_admin(BACK_TO_USER), "post"),
    Rule("accounts:user_deactivate", user_admin(BACK_TO_USER), "post"),
    # Recordings: pages (classifier/urls.py)
    rule("classifier:recording_list", UPLOADER_PAGE),
    rule("classifier:recording_upload", UPLOADER_PAGE),
    Rule("classifier:recording_detail", RECORDING_PAGE),
    Rule("classifier:recording_download", RECORDING_PAGE),
    Rule("classifier:recording_report", RECORDING_PAGE),
    # Deleting: own recordings only; a reviewer reads others' recordings but may not delete them.
    Rule(
        "classifier:recording_delete",
        own_other_missing(
            own=by_role(LOGIN, WAIT, "302 /recordings/", "302 /recordings/", 403, 403, 403),
            other=by_role(LOGIN, WAIT, 404, 403, 403, 403, 403),
            missing=by_role(LOGIN, WAIT, 404, 404, 403, 403, 403),
        ),
        "post",
    ),
    # Over-reads: reviewers, on any recording they can read.
    Rule(
        "classifier:recording_overread",
        own_other_missing(
            own=by_role(LOGIN, WAIT, 403, BACK_TO_RECORDING, 403, 403, 403),
            other=by_role(LOGIN, WAIT, 403, BACK_TO_RECORDING, 403, 403, 403),
            missing=by_role(LOGIN, WAIT, 403, 404, 403, 403, 403),
        ),
        "post",
        {"label": "NSR", "comment": "agree", "signed": "on"},
    ),
    Rule(
        "classifier:recording_overread_amend",
        own_other_missing(
            own=by_role(LOGIN, WAIT, 403, BACK_TO_RECORDING, 403, 403, 403),
            other=by_role(LOGIN, WAIT, 403, BACK_TO_RECORDING, 403, 403, 403),
            missing=by_role(LOGIN, WAIT, 403, 404, 403, 403, 403),
        ),
        "post",
        {"label": "NSR", "reason": "second look", "signed": "on"},
    ),
    rule("classifier:worklist", by_role(LOGIN, WAIT, 403, 200, 403, 403, 403)),
    # Patient details: the owner edits them; a patient page shows what the recording rules
    # open (no recording of that patient one may see: 404).
    Rule(
        "classifier:recording_patient_edit",
        own_other_missing(
            own=by_role(LOGIN, WAIT, BACK_TO_RECORDING, BACK_TO_RECORDING, 403, 403, 403),
            other=by_role(LOGIN, WAIT, 404, 403, 403, 403, 403),
            missing=by_role(LOGIN, WAIT, 404, 404, 403, 403, 403),
        ),
        "post",
        {"patient_ref": "MRN-1"},
    ),
    rule("classifier:patient_detail", by_role(LOGIN, WAIT, 404, 404, 403, 403, 403)),
    rule("classifier:recording_export", UPLOADER_PAGE),
    # Model cards for everyone who runs the model; model versions for admins.
    rule("classifier:model_card_active", UPLOADER_PAGE),
    rule("classifier:model_card", by_role(LOGIN, WAIT, 404, 404, 403, 403, 403)),  # unknown
    rule("classifier:model_version_list", ADMIN_PAGE),
    rule("classifier:model_version_change", by_role(LOGIN, WAIT, 403, 403, 403, 403, 404), "post"),
    # Recordings: API v1 (DRF; anonymous callers get 401 naming the API token's Bearer scheme)
    rule("recording-list", API_UPLOADERS),
    rule("recording-list", by_role(401, 403, 400, 400, 403, 403, 403), "post"),  # no file
    Rule("recording-detail", RECORDING_API),
    Rule(
        "recording-detail",
        own_other_missing(
            own=by_role(401, 403, 204, 204, 403, 403, 403),
            other=by_role(401, 403, 404, 403, 403, 403, 403),
            missing=by_role(401, 403, 404, 404, 403, 403, 403),
        ),
        "delete",
    ),
    Rule(
        "recording-detail",
        own_other_missing(
            own=by_role(401, 403, 200, 200, 403, 403, 403),
            other=by_role(401, 403, 404, 403, 403, 403, 403),
            missing=by_role(401, 403, 404, 404, 403, 403, 403),
        ),
        "patch",
        {"patient_ref": "MRN-1"},
    ),
    Rule("recording-file", RECORDING_API),
    Rule("recording-signal", RECORDING_API),
    Rule("recording-prediction-status", RECORDING_API),
    Rule("recording-scalogram", RECORDING_API),
    Rule("recording-fhir", RECORDING_API_NO_PREDICTION),
    Rule("recording-windows", RECORDING_API_NO_PREDICTION),
    Rule(
        "recording-fhir",
        own_other_missing(  # 409: these recordings have no finished prediction to report
            own=by_role(401, 403, 409, 409, 403, 403, 403),
            other=by_role(401, 403, 404, 409, 403, 403, 403),
            missing=by_role(401, 403, 404, 404, 403, 403, 403),
        ),
    ),
    Rule(
        "recording-overread",
        own_other_missing(
            own=by_role(401, 403, 403, 409, 403, 403, 403),  # 409: no prediction to over-read
            other=by_role(401, 403, 403, 409, 403, 403, 403),
            missing=by_role(401, 403, 403, 404, 403, 403, 403),
        ),
        "post",
        {"label": "NSR"},
    ),
    # Stateless classification and the model versions: for everyone who runs the model.
    rule("classify", by_role(401, 403, 400, 400, 403, 403, 403), "post"),  # no file
    rule("model-version-list", API_UPLOADERS),
    rule("model-version-active", API_UPLOADERS),
    rule("model-version-detail", by_role(401, 403, 404, 404, 403, 403, 403)),  # unknown name
    # Webhooks: each uploader their own; others' ids answer like missing ones.
    rule("webhook-list", API_UPLOADERS),
    rule("webhook-list", by_role(401, 403, 400, 400, 403, 403, 403), "post"),  # no url
    rule("webhook-detail", by_role(401, 403, 404, 404, 403, 403, 403), "delete"),
    rule("webhook-deliveries", by_role(401, 403, 404, 404, 403, 403, 403)),
    rule("api-root", signed_in(401, 200)),  # lists endpoints, no data
    rule("api-schema", everyone(200)),  # describes the API, never data
    rule("api-docs", everyone(200)),
    # Audit trail and statistics (audit/urls.py)
    rule("audit:event_list", AUDIT_PAGE),
    rule("audit:event_export", AUDIT_PAGE),
    # Operations (monitoring/urls.py): metrics for operators (or their bearer token);
    # liveness and readiness answer everyone, with error details for operators only.
    rule("monitoring:metrics", by_role(401, 403, 403, 403, 403, 200, 403)),
    rule("monitoring:healthz", everyone(200)),
    rule("monitoring:readyz", everyone(200)),
    # Sign-in (allauth): entrance pages for anonymous users; own-account pages for everyone
    # signed in, whatever their role (changing a password or enabling TOTP needs no role).
    rule("login", ENTRANCE),
    rule("account_login", ENTRANCE),
    rule("account_signup", ENTRANCE),
    rule("logout", signed_in(LOGIN, 200)),  # GET asks to confirm; POST signs out
    rule("account_logout", signed_in(LOGIN, 200)),
    rule("account_inactive", everyone(200)),
    rule("account_reauthenticate", MANAGE),
    rule("account_email", MANAGE),
    rule("account_email_verification_sent", everyone(200)),
    rule("account_change_password", MANAGE),
    rule("account_set_password", signed_in(LOGIN, "302 /accounts/password/change/")),
    rule("account_reset_password", everyone(200)),
    rule("account_reset_password_done", everyone(200)),
    rule("account_reset_password_from_key", everyone(200)),  # "bad token" page
    rule("account_reset_password_from_key_done", everyone(200)),
    rule("account_confirm_email", everyone(200)),  # "link expired or invalid" page
    rule("account_confirm_login_code", signed_in(ALLAUTH_LOGIN, HOME)),  # no code requested
    rule("mfa_index", MANAGE),
    rule("mfa_authenticate", signed_in(ALLAUTH_LOGIN, HOME)),  # only in the middle of a sign-in
    # Without TOTP set up, confirming identity falls back to the password.
    rule("mfa_reauthenticate", signed_in(LOGIN, "302 /accounts/reauthenticate/")),
    rule("mfa_activate_totp", signed_in(ALLAUTH_LOGIN, "302 /accounts/reauthenticate/")),
    rule("mfa_deactivate_totp", signed_in(LOGIN, 404)),  # no TOTP set up
    rule("mfa_view_recovery_codes", signed_in(LOGIN, 404)),
    rule("mfa_generate_recovery_codes", signed_in(ALLAUTH_LOGIN, "302 /accounts/reauthenticate/")),
    rule("mfa_download_recovery_codes", signed_in(LOGIN, 404)),
    rule("usersessions_list", MANAGE),
    rule("socialaccount_connections", MANAGE),
    rule("socialaccount_login_cancelled", everyone(200)),
    rule("socialaccount_login_error", everyone(401)),
    rule("socialaccount_signup", everyone(ALLAUTH_LOGIN)),  # only in the middle of an SSO sign-up
    rule("accounts/social/*", everyone("301 /accounts/3rdparty/*")),  # old allauth addresses
    # Identity providers: a confirmation page, then a POST that leaves for the provider.
    rule("google_login", everyone(200)),  # signed in: connect the account
    rule("google_callback", everyone(401)),  # no code: the "sign-in failed" page
    rule("google_login_by_token", everyone(401)),  # no token
    rule("openid_connect_login", everyone(200)),
    rule("openid_connect_callback", everyone(401)),
    # Django's admin site: staff accounts only (none of the roles is staff).
    rule("admin:login", signed_in(LOGIN, 403)),  # through allauth's sign-in (TOTP, lockout)
    rule("admin:logout", everyone("302 /admin/")),  # GET does not log out
    rule("admin/*", everyone(ADMIN_LOGIN)),
]

SAMPLE_ARGS = {
    "format": "json",
    "drf_format_suffix:format": ".json",
    "provider_id": "hospital",
    "key": "no-such-key",
    "uidb36": "0",
    "app_label": "auth",
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "url": "no-such-page/",
    "name": "no-such-model",
    "change": "activate",
    "patient_ref": "MRN-1",
    "uidb64": "MQ",
    "token": "no-such-token",
    "pk": "999999",  # a webhook id nobody has
}
_CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class Endpoint:
    route: str
    name: str | None

    @property
    def label(self) -> str:
        return self.name or self.route

    def path(self, args: dict) -> str:
        """A concrete path for the route (path() converters and regex groups filled)."""
        route = _GROUP.sub(lambda m: str(args[m["name"]]), self.route)
        route = _CONVERTER.sub(
            lambda m: str(args.get(f"{m['conv']}:{m['name']}", args[m["name"]])), route
        )
        route = route.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
        return "/" + route


def endpoints() -> list[Endpoint]:
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name}" if pattern.name else None
                found.append(Endpoint(prefix + str(pattern.pattern), name))

    walk(get_resolver().url_patterns, "", "")
    return found


def rules_for(endpoint: Endpoint) -> list[Rule]:
    exact = [r for r in RULES if r.match in {endpoint.name, endpoint.route}]
    if exact:
        return exact
    groups = [r for r in RULES if r.match.endswith("*") and endpoint.route.startswith(r.match[:-1])]
    return groups[:1]


def test_every_url_pattern_has_a_rule():
    missing = sorted({e.label for e in endpoints() if not rules_for(e)})
    assert not missing, f"URL patterns without a permission rule in RULES: {missing}"


def test_every_rule_names_an_existing_url_pattern():
    labels = {e.name for e in endpoints()} | {e.route for e in endpoints()}
    routes = [e.route for e in endpoints()]
    stale = [
        r.match
        for r in RULES
        if r.match not in labels
        and not (r.match.endswith("*") and any(x.startswith(r.match[:-1]) for x in routes))
    ]
    assert not stale, f"rules for URL patterns that no longer exist: {stale}"


class World:
    """The objects one actor's probes need, created on demand (deleting probes get fresh ones)."""

    def __init__(self, actor, npy: bytes):
        self.actor = actor
        self.npy = npy
        self.other_clinician = UserFactory(roles=[Role.CLINICIAN])

    def recording(self, owner) -> Recording:
        recording = Recording(
            owner=owner,
            original_filename="nsrdb-16273-ECG1.npy",
            sha256=hashlib.sha256(self.npy).hexdigest(),
            size_bytes=len(self.npy),
            file_format="npy",
            sampling_rate_hz=128.0,
            n_samples=7680,
            duration_s=60.0,
            leads=["ECG1"],
            uploaded_at=timezone.now(),
        )
        recording.file.save("nsrdb-16273-ECG1.npy", ContentFile(self.npy), save=False)
        recording.save()
        return recording

    def args(self, variant: str) -> dict:
        args: dict[str, object] = dict(SAMPLE_ARGS)
        if variant in {"own", "other", "missing"}:
            owner = self.actor if variant == "own" else self.other_clinician
            if variant == "own" and owner is None:  # anonymous: someone's recording
                owner = self.other_clinician
            recording_id = uuid.uuid4() if variant == "missing" else self.recording(owner).pk
            args.update(recording_id=recording_id, pk=recording_id)
        if variant in {"user", "missing_user"}:
            subject = UserFactory.create(roles=[Role.CLINICIAN])
            args["user_id"] = subject.pk if variant == "user" else subject.pk + 10_000
        if variant in {"own_token", "other_token", "missing_token"}:
            owner = self.actor if variant == "own_token" else self.other_clinician
            token = ApiTokenFactory.create(user=owner or self.other_clinician)
            args["token_id"] = token.pk + 10_000 if variant == "missing_token" else token.pk
        return args


def observed(response) -> str:
    if response.status_code in {301, 302, 303, 307, 308}:
        return f"{response.status_code} {response['Location']}"
    return str(response.status_code)


def matches(answer: str, expected) -> bool:
    status, _, location = answer.partition(" ")
    want_status, _, want_location = str(expected).partition(" ")
    path = location.split("?")[0]
    if want_location.endswith("*"):
        return status == want_status and path.startswith(want_location[:-1])
    return status == want_status and path == want_location


@pytest.fixture
def providers(settings):
    """Google and one OpenID Connect provider configured (nothing is contacted here)."""
    app = {"client_id": "wavecardio", "secret": "not-used"}
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [app]},
        "openid_connect": {
            "APPS": [
                {
                    **app,
                    "provider_id": "hospital",
                    "name": "Hospital",
                    "settings": {"server_url": "http://127.0.0.1:9/unused"},
                }
            ]
        },
    }


@pytest.mark.django_db
@pytest.mark.parametrize("actor_name", ACTORS)
def test_url_permission_matrix(actor_name, client, providers, recording_path):
    roles = ACTOR_ROLES[actor_name]
    actor = None if roles is None else UserFactory(username=f"matrix-{actor_name}", roles=roles)
    if actor is not None:
        client.force_login(actor)
    client.raise_request_exception = False  # a crash is a 500 in the report, not an abort
    world = World(actor, recording_path.read_bytes())
    probes = [(e, r) for e in endpoints() for r in rules_for(e)]
    # Changing probes (POST/DELETE) last, so they cannot disturb the reads.
    probes.sort(key=lambda probe: probe[1].method != "get")
    mismatches = []
    for endpoint, probe_rule in probes:
        for variant, expected_by_actor in probe_rule.cases.items():
            path = endpoint.path(world.args(variant))
            resolved = resolve(path).route.replace("^", "")
            assert resolved == endpoint.route.replace("^", ""), f"{path} is not {endpoint.route}"
            answer = observed(
                getattr(client, probe_rule.method)(
                    path + probe_rule.query, probe_rule.data, **probe_rule.body_kwargs()
                )
            )
            expected = expected_by_actor[actor_name]
            if not matches(answer, expected):
                mismatches.append(
                    f"{probe_rule.method.upper()} {path} ({endpoint.label}, {variant}): "
                    f"expected {expected}, got {answer}"
                )
    assert not mismatches, f"{actor_name}:\n" + "\n".join(mismatches)
