"""Hostile inputs on the webhooks pages: a 4xx or the page again with an error, never a 500,
and nothing written (tests/security/hostile.py has the machinery and the rules; the list of
pages is checked against the URL conf by tests/security/test_hostile_pages.py).

An organization's endpoints are its admins' (issuer_admin, 2FA), the platform's the operators'.
The world adds to hostile.world_build an endpoint of the issuer's organization (with one
delivery of an event of that organization), a disabled one, and a platform endpoint. The
endpoints point at 127.0.0.1:9 (the test settings allow private targets) and nothing here
sends to them: the replay button has no input, so it is in NO_INPUT."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .hostile import NOT_A_CHOICE, NUL_TEXT, TOO_LONG, Case, check_form, check_queries, get_pages
from .hostile import world_build as hostile_world_build

TARGET = "http://127.0.0.1:9/hooks/shoken"
#: Not a URL an endpoint may have: no scheme, another scheme, credentials, a fragment, a port
#: out of range, a host no resolver takes (an empty or over-long IDNA label), script, controls.
#: ("http://²/x" is not here: IDNA folds the host to "2", i.e. 0.0.0.2, which the test settings'
#: private targets allow and production refuses, as it does "http://2/x"; webhooks/tests/test_ssrf.py.)
NOT_A_TARGET = [*TOO_LONG, "", "not a url", "ftp://127.0.0.1/x", "javascript:alert(1)", "//127.0.0.1/x",
                "http://user:pw@127.0.0.1:9/x", "http://127.0.0.1:9/x#frag", "http://127.0.0.1:99999/x",
                "http://127.0.0.1:0/x", "http://[::1/x", "http://xn--/x", "http://" + "a" * 64 + ".test/x",
                "http://127.0.0.1:9/a b", "http://127.0.0.1:9/\x01", "http://%00/x", "https://",
                "http://" + "x" * 2000 + ".test/", ["http://127.0.0.1:9/x", "ftp://x"]]
#: Not a set of event types: unknown, empty, a known one beside an unknown one.
NOT_EVENT_TYPES = [*NOT_A_CHOICE, "", "kyc.approved", ["kyc.decided", "nope"], "KYC.DECIDED", "kyc.decided\x00"]
STEPS = ["rotate", "disable", "enable", "delete"]
NOT_A_STEP = [*NOT_A_CHOICE, "", "Rotate", "rotate\x00", ["rotate", "nope"], "enable " * 1000]


def endpoint_data(w: dict) -> dict:
    return {"url": TARGET, "description": "Back office", "event_types": ["kyc.decided", "break.found"]}


ENDPOINT_HOSTILE = {"url": NOT_A_TARGET, "description": [*TOO_LONG, *NUL_TEXT, "d" * 201],
                    "event_types": NOT_EVENT_TYPES}

#: Form pages: (url name, label) -> case.
FORMS: dict[tuple[str, str], Case] = {
    ("webhooks:home", ""): Case("issuer_admin", data=endpoint_data, hostile=ENDPOINT_HOSTILE),
    ("webhooks:home", "platform"): Case("operator", data=endpoint_data, hostile=ENDPOINT_HOSTILE),
    **{("webhooks:endpoint-step", step): Case(
        "issuer_admin", args=lambda w, step=step: [w["disabled_endpoint" if step == "enable" else "endpoint"].pk],
        data=lambda w, step=step: {"step": step}, hostile={"step": NOT_A_STEP}) for step in STEPS},
    ("webhooks:endpoint-step", "platform"): Case("operator", args=lambda w: [w["platform_endpoint"].pk],
                                                 data=lambda w: {"step": "rotate"}, hostile={"step": NOT_A_STEP}),
}

#: POST buttons whose only input is the URL's <int:pk> (or nothing): no field to be hostile in.
#: webhooks:delivery's POST replays the delivery (it reads nothing from the body); its GET is in READ_ONLY.
NO_INPUT = {"webhooks:delivery"}

#: GET pages: hostile query strings only. name -> (persona, args)
READ_ONLY: dict[str, tuple[str, Callable[[dict], list]]] = {
    "webhooks:endpoint": ("issuer_admin", lambda w: [w["endpoint"].pk]),
    "webhooks:delivery": ("issuer_admin", lambda w: [w["delivery"].pk]),
}

#: Every page with a GET: the read-only pages and the form pages (first case of each).
GET_PAGES = get_pages(FORMS, READ_ONLY)

#: Pages with a <str:...> segment: none (every webhooks page takes an <int:pk>), so no segment test here.
STR_SEGMENTS: dict[str, tuple[str, Callable[[dict, str], list]]] = {}


def webhooks_add(w: dict, issuer_org, issuer_admin, operator) -> None:
    """An endpoint of the issuer's organization with one delivery (an event of the organization,
    fanned out), a disabled endpoint, and a platform endpoint: made through the services."""
    from django.db import transaction

    from core.events import EventType, event_emit
    from webhooks.fanout import fan_out_pending
    from webhooks.models import WebhookDelivery
    from webhooks.services import endpoint_create, endpoint_disable

    def create(actor, organization, description: str):
        endpoint, _secret = endpoint_create(actor=actor, organization=organization, url=TARGET,
                                            event_types=[EventType.KYC_DECIDED], description=description)
        return endpoint

    w["endpoint"] = create(issuer_admin, issuer_org, "Back office")
    w["disabled_endpoint"] = endpoint_disable(endpoint=create(issuer_admin, issuer_org, "Old"), actor=issuer_admin)
    w["platform_endpoint"] = create(operator, None, "Platform monitor")
    with transaction.atomic():
        event_emit(type=EventType.KYC_DECIDED, key="hostile-pages-kyc", organization_id=issuer_org.pk,
                   data={"review": 1, "decision": "approved"})
    fan_out_pending()
    w["delivery"] = WebhookDelivery.objects.get(endpoint=w["endpoint"], event__key="hostile-pages-kyc")


@pytest.fixture
def world(request, settings, tmp_path, db):  # db: the test database, before any persona
    w = hostile_world_build(request, settings, tmp_path)
    webhooks_add(w, request.getfixturevalue("issuer_org"), request.getfixturevalue("issuer_admin"),
                 request.getfixturevalue("operator"))
    return w


@pytest.mark.parametrize("key", list(FORMS), ids=[f"{n}{'-' + lbl if lbl else ''}" for n, lbl in FORMS])
def test_form_page_refuses_hostile_input(request, world, key):
    check_form(request, world, key, FORMS[key])


@pytest.mark.parametrize("name", sorted(GET_PAGES))
def test_page_answers_hostile_query_strings(request, world, name):
    check_queries(request, world, name, *GET_PAGES[name])
