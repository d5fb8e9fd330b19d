"""schemathesis over the whole OpenAPI schema, once per role (issue 11, "Keep it that way").

The schema is drf-spectacular's, served by the app itself (/api/schema/), and every request
goes to the app in process through its WSGI handler, inside the test's transaction. For each
role (verified investor, issuer admin with a 2FA-verified token, issuer member, compliance
officer, operator, cash agent, anonymous) one test runs every operation with all of schemathesis' checks
(tests/api/schemathesis.toml: the phases, the number of examples, the fixed seed, and the few
statuses a schema cannot express, each with its reason). A failure names the operation, the
check and a curl line that reproduces it.

The world each role meets is the same: an approved issuer (the personas' organization) with a
bond, a published and a draft offering, subscriptions of the verified investor in several
states, a submitted issuer, a KYC review waiting, a KYC document, a break. Generated ids in
paths are mapped onto those objects most of the time (so operations reach their logic, not
only 404), and left as generated otherwise.
"""

from __future__ import annotations

import copy
import os
import re
import uuid
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client

from accounts.tests.factories import PASSWORD
from conftest import totp_now
from core.idempotency import KEY_PATTERN

ROLES = ["verified_investor", "issuer_admin", "issuer_member", "compliance_officer", "operator", "cash_agent",
         "anonymous"]
# SCHEMATHESIS_CONFIG=<file> runs another configuration (e.g. more examples, another seed).
CONFIG = Path(os.environ.get("SCHEMATHESIS_CONFIG") or Path(__file__).with_name("schemathesis.toml"))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "10"))  # scenarios per role

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


@pytest.fixture
def _keep_test_connection():
    """The WSGI handler closes the database connection after each request (request_finished ->
    close_old_connections), which would end the test's transaction; Django's test client
    disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, issuer_org, issuer_admin, issuer_member, verified_investor):
    """The objects every role meets, by the path prefix whose {id} names them."""
    from accounts.tests.factories import OrganizationFactory
    from chain.tests.factories import BreakFactory
    from compliance.tests.factories import KycReviewFactory
    from investors.tests.factories import KycDocumentFactory
    from issuance.models import Issuer, Offering, Subscription
    from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory

    issuer = IssuerFactory(organization=issuer_org)
    security = SecurityFactory(issuer=issuer, created_by=issuer_admin)
    published = OfferingFactory(security=security)
    draft = OfferingFactory(security=SecurityFactory(issuer=issuer, created_by=issuer_admin),
                            status=Offering.Status.DRAFT)
    subscriptions = [
        SubscriptionFactory(offering=published, investor=verified_investor, status=status, units=1)
        for status in (Subscription.Status.PENDING, Subscription.Status.SIGNED, Subscription.Status.FUNDED,
                       Subscription.Status.READY_TO_SETTLE)
    ]
    submitted = IssuerFactory(organization=OrganizationFactory(name="Kaede Foods K.K."), status=Issuer.Status.SUBMITTED)
    profile = verified_investor.investor_profile
    return {
        "/api/chain/breaks/": [BreakFactory(security=security).pk],
        "/api/compliance/reviews/": [KycReviewFactory().pk],
        "/api/investors/documents/": [KycDocumentFactory(profile=profile).pk],
        "/api/investors/wallets/": list(profile.wallets.values_list("pk", flat=True)),
        "/api/issuance/issuers/": [submitted.pk, issuer.pk],
        "/api/issuance/market/": [published.pk],
        "/api/issuance/offerings/": [published.pk, draft.pk],
        "/api/issuance/securities/": [security.pk, draft.security_id],
        "/api/issuance/my-subscriptions/": [s.pk for s in subscriptions],
        "/api/issuance/subscriptions/": [s.pk for s in subscriptions],
        "/api/ledger/securities/": [security.pk],
        "/api/servicing/securities/": [security.pk],
        "/api/servicing/actions/": [_corporate_action(security, profile)],
    }


def _corporate_action(security, profile) -> int:
    """An off-chain coupon of the bond, recorded, approved and due, with the investor's line."""
    from decimal import Decimal

    from django.utils import timezone

    from core.clock import business_today
    from servicing.models import CorporateAction, EntitlementLine

    today = business_today()
    action = CorporateAction.objects.create(
        security=security, kind="coupon", sequence=1, status="recorded", method="offchain", currency="JPY",
        declaration_date=today, record_date=today, ex_date=today, payment_date=today,
        per_unit_amount=Decimal("625"), line_count=1, approved_at=timezone.now())
    EntitlementLine.objects.create(action=action, investor=profile.user, wallet=profile.wallets.first().address,
                                   units=1, gross=Decimal("625"), withheld=Decimal("0"), net=Decimal("625"))
    return action.pk


def _token_header(request, role: str) -> dict:
    """The role's API token, asked for the way a client does (staff give their TOTP code, so
    the issuer admin's token is a 2FA-verified one)."""
    if role == "anonymous":
        return {}
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.getfixturevalue(role)
    body = {"email": user.email, "password": PASSWORD}
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        body["otp_code"] = totp_now(device)
    response = Client().post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return {"Authorization": f"Token {response.json()['token']}"}


@pytest.fixture
def auth_headers(request, db, role, world):
    return _token_header(request, role)


@pytest.fixture(scope="session")
def _raw_schema(openapi_document):
    """The app's own OpenAPI document, as a client downloads it (tests/conftest.py: once a session)."""
    return openapi_document


def _load(raw_schema: dict, token: str | None):
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(raw_schema), config=schemathesis.Config.from_path(CONFIG))
    loaded.app = get_wsgi_application()  # requests go to the app in process, as from_wsgi does
    if token:

        class RoleToken:
            """The role's token on every request: schemathesis knows it as the caller's
            credentials (ignored_auth then checks that the API refuses the request without
            them, or with a wrong one)."""

            def get(self, case, context):
                return token

            def set(self, case, data, context):
                case.headers = {**(case.headers or {}), "Authorization": data}

        loaded.auth()(RoleToken)
    return loaded


@pytest.fixture
def api_schema(db, role, auth_headers, _keep_test_connection, _raw_schema):
    return _load(_raw_schema, auth_headers.get("Authorization"))


_ID_PATH = re.compile(r"^(/api/[^{]+/)\{id\}")
_IDEMPOTENCY_KEY = re.compile(KEY_PATTERN)


def _aim_at_world(case, world: dict) -> None:
    """Most generated ids become one of the world's objects; one in len(pool) + 1 stays."""
    match = _ID_PATH.match(case.path)
    value = (case.path_parameters or {}).get("id")
    if match is None or not isinstance(value, int) or isinstance(value, bool):
        return
    pool = world.get(match.group(1))
    if pool:
        case.path_parameters["id"] = [*pool, value][value % (len(pool) + 1)]


def _fresh_idempotency_key(case) -> None:
    """A client keeps one Idempotency-Key per intended action (docs/api.md#idempotency);
    schemathesis draws keys from the header's pattern and so sends the same key with different
    requests, which the API rightly answers 422 idempotency_key_reused (tests/api/
    test_idempotency.py). A well-formed generated key becomes a fresh one; a malformed one is
    sent as generated (the API must refuse it: 400 invalid_idempotency_key)."""
    headers = case.headers or {}
    name = next((h for h in headers if h.lower() == "idempotency-key"), None)
    if name is not None and isinstance(headers[name], str) and _IDEMPOTENCY_KEY.fullmatch(headers[name]):
        case.headers = {**headers, name: uuid.uuid4().hex}


@schema.parametrize()
def test_api_conforms_to_its_schema(case, world):
    _aim_at_world(case, world)
    _fresh_idempotency_key(case)
    case.call_and_validate()


@pytest.mark.parametrize("role", ["verified_investor", "issuer_admin", "compliance_officer"], indirect=True)
def test_api_links_lead_somewhere_valid(api_schema, world):
    """schemathesis' stateful phase: sequences that follow the schema's links (subscribe ->
    accept the agreement -> fund -> accept -> settle; KYC submit -> review), each answer
    checked like above, for the roles that take those steps."""
    from hypothesis import HealthCheck, settings

    class Links(api_schema.as_state_machine()):
        def before_call(self, case):
            _aim_at_world(case, world)
            _fresh_idempotency_key(case)

    Links.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=6, derandomize=True, database=None,
                                deadline=None, suppress_health_check=list(HealthCheck)))
