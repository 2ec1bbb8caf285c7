"""Every URL of the site and the API, as every role and as an outsider: who may do what.

The URLs come from Django's resolver, not from a list written here: a new URL without a row in
``RULES`` fails ``test_every_url_has_a_rule``, so an endpoint cannot be added without saying who
may use it. For each URL, method and persona the answer must be the rule's:

- past the role's gate and allowed to know the object: anything but a refusal or a 5xx;
- past the gate, but the object is someone else's: 404 (it confirms nothing);
- a page of another role: 403; anonymous: sent to sign in (pages) or 401/403 (the API).

The lifecycle steps of the API take their roles from ``cases.lifecycle.TRANSITIONS``, the one
table of who may do what to a request; the registration from ``cases.intake.ON_BEHALF_ROLES``.
Each call runs in a rolled-back transaction, so an allowed step does not change what the next
persona meets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from stroydesk.accounts.models import User
from stroydesk.api.requests import STEPS
from stroydesk.cases.intake import ON_BEHALF_ROLES
from stroydesk.consultations.links import make_token

R = User.Role
# Which role each persona has (conftest's ``world``); None: anonymous.
PERSONA_ROLE: dict[str, str | None] = {
    "anonymous": None,
    "applicant": R.APPLICANT,
    "developer": R.APPLICANT,
    "mover": R.APPLICANT,
    "other_applicant": R.APPLICANT,
    "operator": R.OPERATOR,
    "dispatcher": R.OPERATOR,
    "specialist": R.SPECIALIST,
    "other_specialist": R.SPECIALIST,
    "supervisor": R.SUPERVISOR,
    "admin": R.ADMIN,
}


def having(*roles: str) -> frozenset[str]:
    """The personas of these roles."""
    return frozenset(p for p, role in PERSONA_ROLE.items() if role in roles)


EVERYONE = frozenset(PERSONA_ROLE)
SIGNED_IN = EVERYONE - {"anonymous"}
APPLICANTS = having(R.APPLICANT)
CENTER = having(R.OPERATOR, R.SUPERVISOR, R.ADMIN)
SPECIALISTS = having(R.SPECIALIST)
HEADS = having(R.SUPERVISOR, R.ADMIN)
DISPATCHERS = frozenset({"dispatcher", "supervisor", "admin"})
KB_STAFF = CENTER | SPECIALISTS
# Who may know ivanov's request escalated to the first authority (and its file).
REQUEST_SEES = frozenset({"applicant", "specialist"}) | CENTER
# ivanov's booking: the applicant, its expert (none of the personas) and the heads.
BOOKING_SEES = frozenset({"applicant"}) | HEADS
# The mover's order: the family and the relocation dispatchers.
ORDER_SEES = frozenset({"mover"}) | DISPATCHERS


@dataclass(frozen=True)
class Rule:
    """Who passes the gate of a URL for GET and for POST (None: the method is not served, any
    refusal will do), who may know the object in its path (None: no object), whether the
    object is looked up before the role (the API's steps: 404 first), and what a refused
    visitor of another role gets when it is not 403."""

    get: frozenset[str] | None
    post: frozenset[str] | None = None
    sees: frozenset[str] | None = None
    object_first: bool = False
    denied: int = 403
    api: bool = False


def page(get=None, post=None, **kw: Any) -> Rule:
    return Rule(get=get, post=post, **kw)


def api(get=None, post=None, **kw: Any) -> Rule:
    return Rule(get=get, post=post, api=True, **kw)


def _step_rule(roles: frozenset[str]) -> Rule:
    return api(post=having(*roles), sees=REQUEST_SEES, object_first=True)


RULES: dict[str, Rule] = {
    # --- operations and documentation
    "healthz": page(EVERYONE),
    "readyz": page(EVERYONE),
    "metrics": page(EVERYONE),  # a token guards it when METRICS_TOKEN is set (ops' tests)
    "favicon.ico": page(EVERYONE),
    "schema": page(EVERYONE),
    "swagger-ui": page(EVERYONE),
    "set_language": page(EVERYONE, EVERYONE),
    # --- the REST API
    "api-root": api(SIGNED_IN),
    "api-token": api(post=EVERYONE),
    "api-tokens": api(SIGNED_IN),
    # DELETE only (the applicant's own key; another's answers 404: accounts' token tests).
    "api-token-revoke": api(),
    "request-list": api(SIGNED_IN, APPLICANTS | having(*ON_BEHALF_ROLES)),
    "request-detail": api(SIGNED_IN, sees=REQUEST_SEES, object_first=True),
    **{f"request-{step.url_path}": _step_rule(step.roles) for step in STEPS},
    "authority-list": api(EVERYONE),
    "authority-detail": api(EVERYONE),
    "topic-list": api(EVERYONE),
    "topic-detail": api(EVERYONE),
    "workdays:add": api(EVERYONE),
    "workdays:count": api(EVERYONE),
    "workdays:due": api(EVERYONE),
    "stats-summary": api(HEADS),
    "stats-yearly": api(HEADS),
    "kb-article-create": api(post=having(R.SUPERVISOR, R.ADMIN)),
    "kb-article-detail": api(EVERYONE),
    "kb-search": api(EVERYONE),
    "relocation-windows": api({"mover"}),
    "relocation-orders": api({"mover"}, {"mover"}),
    "relocation-order": api(SIGNED_IN, sees=ORDER_SEES, object_first=True),
    "relocation-order-cancel": api(post=SIGNED_IN, sees=ORDER_SEES, object_first=True),
    "relocation-order-reschedule": api(post=SIGNED_IN, sees=ORDER_SEES, object_first=True),
    "relocation-plan": api(DISPATCHERS),
    "relocation-dispatch-step": api(post=DISPATCHERS),
    "routing-suggest": api(post=CENTER),
    "consultation-subjects": api(SIGNED_IN),
    "consultation-slots": api(SIGNED_IN),
    "consultation-bookings": api(SIGNED_IN, APPLICANTS),  # GET: each sees their own
    "consultation-cancel": api(post=SIGNED_IN, sees=BOOKING_SEES, object_first=True),
    "consultation-reschedule": api(post=SIGNED_IN, sees=BOOKING_SEES, object_first=True),
    "procedures-plan": api(post=EVERYONE),
    "procedures-compare": api(post=EVERYONE),
    "procedures-catalogue": api(EVERYONE),
    # --- Open311 (its key checks are the channel's tests)
    "open311-discovery": page(EVERYONE),
    "open311-services": page(EVERYONE),
    "open311-service": page(EVERYONE),
    # Posting needs an API key (none of the personas has one): 403 to all.
    "open311-requests": page(EVERYONE, frozenset()),
    # ivanov's request came through the portal: Open311 does not publish it.
    "open311-request": page(EVERYONE, sees=frozenset()),
    "open311/v2/^(?P<path>.*)$": page(None),
    # --- the public site and accounts
    "portal:login": page(EVERYONE, EVERYONE),
    "portal:logout": page(None, EVERYONE),
    "portal:password_reset": page(EVERYONE, EVERYONE),
    "portal:password_reset_done": page(EVERYONE),
    "portal:password_reset_confirm": page(EVERYONE, EVERYONE),
    "portal:password_reset_complete": page(EVERYONE),
    "portal:home": page(EVERYONE),
    "portal:security": page(SIGNED_IN, SIGNED_IN),
    "portal:token_revoke": page(post=SIGNED_IN, sees=frozenset({"applicant"})),
    "portal:password_change": page(SIGNED_IN, SIGNED_IN),
    "portal:two_factor": page(SIGNED_IN, SIGNED_IN),
    "portal:two_factor_setup": page(SIGNED_IN, SIGNED_IN),
    "portal:recovery_codes": page(post=SIGNED_IN),
    "portal:signup": page(EVERYONE, EVERYONE),
    "portal:signup_sent": page(EVERYONE, EVERYONE),
    "portal:signup_confirm": page(EVERYONE, EVERYONE),
    "portal:track": page(EVERYONE, EVERYONE),
    "portal:track_code": page(EVERYONE, EVERYONE),
    "portal:track_view": page(EVERYONE),
    # --- the applicant
    "portal:ask": page(APPLICANTS, APPLICANTS),
    "portal:ask_sent": page(APPLICANTS, sees=frozenset({"applicant"})),
    "portal:my_requests": page(APPLICANTS),
    "portal:my_request": page(APPLICANTS, sees=frozenset({"applicant"})),
    **{
        f"portal:my_request_{step}": page(post=APPLICANTS, sees=frozenset({"applicant"}))
        for step in ("add", "reopen", "rate", "close")
    },
    "portal:attachment": page(EVERYONE, sees=REQUEST_SEES),
    # --- the operator's desk
    "portal:queue": page(CENTER),
    "portal:queue_take": page(post=CENTER),
    "portal:queue_assign": page(post=CENTER),
    "portal:phone_intake": page(CENTER, CENTER),
    "portal:phone_lookup": page(CENTER),
    "portal:desk_card": page(CENTER, sees=REQUEST_SEES),
    "portal:desk_kb_panel": page(KB_STAFF, sees=REQUEST_SEES, denied=404),
    "portal:desk_template": page(CENTER, sees=REQUEST_SEES),
    "portal:desk_escalate": page(CENTER, CENTER, sees=REQUEST_SEES),
    **{
        f"portal:desk_{step}": page(post=CENTER, sees=REQUEST_SEES)
        for step in (
            "take",
            "answer",
            "reassign",
            "close",
            "note",
            "ask",
            "send_back",
            "query_reply",
            "reopen",
            "topic",
            "assign",
        )
    },
    # --- the authority's specialist
    "portal:authority_inbox": page(SPECIALISTS),
    "portal:authority_card": page(SPECIALISTS, sees=frozenset({"specialist"})),
    **{
        f"portal:authority_{step}": page(post=SPECIALISTS, sees=frozenset({"specialist"}))
        for step in ("answer", "decline", "query")
    },
    # --- the supervisor
    "portal:board": page(HEADS),
    "portal:workload": page(HEADS),
    "portal:audit": page(HEADS),
    # --- knowledge base
    "kb:index": page(EVERYONE),
    "kb:suggest": page(EVERYONE),
    "kb:misses": page(KB_STAFF),
    "kb:article": page(EVERYONE),
    "kb:feedback": page(post=EVERYONE),
    "kb:history": page(HEADS),
    "kb:restore": page(post=HEADS),
    # --- statistics
    "stats:dashboard": page(HEADS),
    "stats:dashboard_json": page(HEADS),
    "stats:export": page(HEADS),
    "stats:export_yearly": page(HEADS),
    # --- relocation
    "relocation:home": page(APPLICANTS),
    "relocation:bind": page(post=APPLICANTS),
    "relocation:order_new": page(post=APPLICANTS),
    "relocation:order": page(APPLICANTS, sees=frozenset({"mover"})),
    **{
        f"relocation:order_{step}": page(post=APPLICANTS, sees=frozenset({"mover"}))
        for step in ("cancel", "reschedule", "ask")
    },
    "relocation:plan": page(DISPATCHERS),
    "relocation:order_action": page(post=DISPATCHERS),
    "relocation:heatmap": page(DISPATCHERS),
    "relocation:route_sheet": page(DISPATCHERS),
    "relocation:import": page(DISPATCHERS, DISPATCHERS),
    "relocation:stats": page(HEADS),
    # --- routing
    "routing:confirm": page(post=CENTER, sees=REQUEST_SEES),
    "routing:stats": page(HEADS),
    # --- consultations
    "consultations:book": page(APPLICANTS),
    "consultations:confirm": page(APPLICANTS, APPLICANTS),
    "consultations:mine": page(APPLICANTS),
    "consultations:agenda": page(CENTER),
    "consultations:rates": page(HEADS),
    "consultations:detail": page(APPLICANTS | CENTER, sees=BOOKING_SEES),
    "consultations:act": page(post=APPLICANTS | CENTER, sees=BOOKING_SEES),
    "consultations:manage": page(EVERYONE, EVERYONE),
    # --- procedures
    "procedures:calculator": page(EVERYONE),
    "procedures:export": page(EVERYONE),
    "procedures:compare": page(EVERYONE),
    "procedures:save": page(post=APPLICANTS),
    "procedures:saved_list": page(APPLICANTS),
    # The center's staff open a plan only through a request it was sent with (for_request).
    "procedures:saved": page(APPLICANTS | CENTER, sees=frozenset({"applicant"})),
    "procedures:saved_export": page(APPLICANTS | CENTER, sees=frozenset({"applicant"})),
    "procedures:ask": page(post=APPLICANTS, sees=frozenset({"applicant"})),
    "procedures:for_request": page(CENTER, sees=REQUEST_SEES),
}


@dataclass(frozen=True)
class Endpoint:
    """One pattern of the resolver: its key in ``RULES`` and a path with real parameters."""

    key: str
    route: str
    admin: bool
    named: bool
    params: tuple[str, ...]


def _walk(patterns: list, prefix: str = "", namespace: str = "", params=()) -> Iterator[tuple]:
    for pattern in patterns:
        names = (*params, *pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns, names)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            key = f"{namespace}{pattern.name}" if pattern.name else route
            yield key, route, bool(pattern.name), names


def endpoints() -> list[Endpoint]:
    """Every URL pattern of the project (the admin's included), from the resolver itself."""
    return [
        Endpoint(key, route, route.startswith("admin/"), named, tuple(names))
        for key, route, named, names in _walk(get_resolver().url_patterns)
    ]


def _values(world: Any, key: str) -> dict[str, str]:
    """Real objects for the path's parameters (a URL's own choice where the name is shared)."""
    o = world.objects
    request = o["request"]
    pk_of = {
        "portal:attachment": o["attachment"].pk,
        "consultations:detail": o["booking"].pk,
        "consultations:act": o["booking"].pk,
        "consultation-cancel": o["booking"].pk,
        "consultation-reschedule": o["booking"].pk,
        "relocation-order": o["order"].pk,
        "relocation-order-cancel": o["order"].pk,
        "relocation-order-reschedule": o["order"].pk,
        "relocation-dispatch-step": o["order"].pk,
        "relocation:order_action": o["order"].pk,
        "procedures:saved": o["plan"].pk,
        "procedures:saved_export": o["plan"].pk,
        "procedures:ask": o["plan"].pk,
        "portal:token_revoke": o["api_token"].pk,
        "api-token-revoke": o["api_token"].pk,
    }
    if key.startswith("relocation:order"):
        pk_of[key] = o["order"].pk
    user = world.personas["applicant"]
    return {
        "pk": str(pk_of.get(key, request.pk)),
        "request_id": str(request.pk),
        "service_request_id": request.number,
        "code": o["topic"].code if key.startswith(("topic", "open311")) else o["authority"].code,
        "slug": o["article"].slug,
        "number": "1",
        "fmt": "csv" if key.startswith("stats") else ("json" if "open311" in key else "pdf"),
        "format": "json",
        "action": "confirm" if "relocation" in key else "cancel",
        "crew": str(o["crew"].pk),
        "day": str(o["order"].date),
        "token": make_token(o["booking"].pk) if key == "consultations:manage" else "x",
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "path": "nothing-here",
        "object_id": "1",
        "content_type_id": "1",
        "id": "1",
        "url": "nothing",
        "app_label": "accounts",
    }


def path_of(endpoint: Endpoint, world: Any) -> str:
    """The URL with real values, made by the resolver's own reverse()."""
    values = _values(world, endpoint.key)
    if endpoint.key in {"portal:signup_confirm", "portal:password_reset_confirm"}:
        values["token"] = default_token_generator.make_token(world.personas["applicant"])
    if not endpoint.named:
        return (
            "/"
            + re.sub(r"\^|\$|\(\?P<path>\.\*\)", "", endpoint.route)
            + values["path"] * ("path" in endpoint.params)
        )
    return reverse(endpoint.key, kwargs={name: values[name] for name in endpoint.params})


def test_every_url_has_a_rule():
    """A URL nobody has said who may use fails here, whatever it does."""
    missing = sorted({e.key for e in endpoints() if not e.admin} - set(RULES))
    assert not missing, f"URLs without a rule in RULES: {missing}"
    stale = sorted(set(RULES) - {e.key for e in endpoints()})
    assert not stale, f"rules of URLs that no longer exist: {stale}"


def _session(user: User | None) -> str | None:
    if user is None:
        return None
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _call(session: str | None, method: str, path: str, api: bool) -> Any:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    if session:
        client.cookies["sessionid"] = session
    with transaction.atomic():
        if method == "GET":
            response = client.get(path)
        else:
            # The API reads JSON; the pages read a form. Empty either way: the gate comes first.
            response = client.post(path, {} if not api else "{}", **_content(api))
        transaction.set_rollback(True)
    return response


def _content(api: bool) -> dict[str, str]:
    return {"content_type": "application/json"} if api else {}


def _is_login(response: Any) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")


REFUSALS = {401, 403, 404}


def expectation(rule: Rule, persona: str, method: str) -> str:
    """'allowed', '404', '403' or 'anonymous' for this persona and method of a rule."""
    gate = rule.get if method == "GET" else rule.post
    if gate is None:
        return "not served"
    knows = rule.sees is None or persona in rule.sees
    if persona == "anonymous" and persona not in gate:
        return "anonymous"
    if rule.object_first and not knows:
        return "404"
    if persona not in gate:
        return str(rule.denied)
    return "allowed" if knows else "404"


def _verdict(rule: Rule, expected: str, response: Any) -> str | None:
    """None when the answer is the expected one, else what was wrong."""
    code = response.status_code
    if code >= 500:
        return f"{code} (server error)"
    if expected == "allowed":
        if code in REFUSALS or _is_login(response):
            return f"{code} {response.get('Location', '')}"
        return None
    if expected == "not served":
        return None  # not a way in: any answer but a 5xx
    if expected == "anonymous":
        ok = code in {401, 403} if rule.api else _is_login(response) or code == rule.denied
        # A POST-only page asked by GET may answer 405 before the gate: it tells nothing.
        return None if ok or code == 405 else str(code)
    return None if code == int(expected) or code == 405 else str(code)


def _check_admin(endpoint: Endpoint, world: Any, sessions: dict, problems: list) -> int:
    """The admin is the administrators' (and, by model permissions, the supervisors'): every
    other persona is sent to the admin's own sign-in, whatever the page."""
    path = path_of(endpoint, world)
    calls = 0
    for persona in ("anonymous", "applicant", "operator", "specialist", "admin"):
        response = _call(sessions[persona], "GET", path, api=False)
        calls += 1
        code = response.status_code
        if persona == "admin":
            # 403 only where the admin itself offers no such step (adding a log entry…).
            bad = code >= 500 or (
                code == 403 and not endpoint.key.endswith(("_add", "_delete", "autocomplete"))
            )
        else:
            bad = not (code == 302 and "/admin/login/" in response.get("Location", ""))
            bad = (bad and endpoint.key not in {"admin:login", "admin:logout"}) or code >= 500
        if bad:
            problems.append(f"{persona} GET {path} ({endpoint.key}): {code}")
    return calls


@pytest.mark.long
@pytest.mark.django_db
def test_every_url_answers_each_persona_by_its_rule(world, capsys):
    sessions = {name: _session(user) for name, user in world.personas.items()}
    problems: list[str] = []
    checked = calls = 0
    seen: set[str] = set()
    for endpoint in endpoints():
        if endpoint.admin:
            calls += _check_admin(endpoint, world, sessions, problems)
            checked += 1
            continue
        rule = RULES[endpoint.key]
        path = path_of(endpoint, world)
        if path in seen:
            continue
        seen.add(path)
        checked += 1
        for persona in world.personas:
            for method in ("GET", "POST"):
                expected = expectation(rule, persona, method)
                response = _call(sessions[persona], method, path, rule.api)
                calls += 1
                wrong = _verdict(rule, expected, response)
                if wrong:
                    problems.append(
                        f"{persona} {method} {path} ({endpoint.key}): expected {expected}, "
                        f"got {wrong}"
                    )
    with capsys.disabled():
        print(f"\nevery URL: {checked} patterns, {len(world.personas)} personas, {calls} calls")
    assert not problems, "\n".join(problems)
