"""Idempotency keys chosen by clients live in a namespace of their own (issue 11, item 1):
per organization for issuer staff, per user otherwise, so a client can neither take a
platform-internal key (subscription:<id>, action:<id>) nor meet another tenant's key. The
API takes the key from the Idempotency-Key header."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Membership, Role
from accounts.tests.factories import MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
from core.errors import ApplicationError, ConflictError
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
from ledger.models import Position, TokenAction
from ledger.services import subscription_settle, tokens_issue, tokens_redeem, tokens_transfer

from .conftest import wallet_of


@pytest.fixture
def other_admin(db):
    """The admin of a second issuer organization."""
    user = UserFactory(email="admin@other-issuer.test", role=Role.ISSUER)
    MembershipFactory(user=user, organization=OrganizationFactory(name="Fuji Foods K.K."), role=Membership.Role.ADMIN)
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def other_bond(other_admin):
    issuer = IssuerFactory(organization=other_admin.memberships.get().organization)
    return SecurityFactory(issuer=issuer, created_by=other_admin, name="Fuji Bond 2030", symbol="FUJI30")


def test_a_key_named_like_another_issuers_subscription_does_not_break_its_settlement(
        bond, issuer_admin, investor_wallet, other_bond, other_admin, verified_investor):
    theirs = SubscriptionFactory(offering=OfferingFactory(security=other_bond, documents=False),
                                 investor=verified_investor, units=5, status="ready_to_settle")
    tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="",
                 idempotency_key=f"subscription:{theirs.pk}")

    action = subscription_settle(subscription=theirs, actor=other_admin)

    assert action.security_id == other_bond.pk and int(action.amount) == 5
    assert action.idempotency_key == f"subscription:{theirs.pk}"
    assert Position.objects.get(security=other_bond, wallet=investor_wallet.address).balance == 5


def test_a_key_named_like_the_next_action_does_not_break_it(bond, issuer_admin, investor_wallet):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('ledger_tokenaction', 'id'))")
        last = cursor.fetchone()[0]
    for n in range(1, 4):   # ids last + 1..3; the keys claim last + 4..6, the next actions' keys
        tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="",
                     idempotency_key=f"action:{last + n + 3}")

    action = tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="")

    assert action.idempotency_key == f"action:{action.pk}" and action.outbox.idempotency_key == f"action:{action.pk}"
    assert TokenAction.objects.filter(security=bond).count() == 4


def test_two_organizations_use_the_same_key_independently(bond, issuer_admin, investor_wallet, other_bond, other_admin):
    ours = tokens_issue(security=bond, wallet=investor_wallet, amount=2, actor=issuer_admin, reason="",
                        idempotency_key="order-1")
    theirs = tokens_issue(security=other_bond, wallet=investor_wallet, amount=7, actor=other_admin, reason="",
                          idempotency_key="order-1")

    assert ours.pk != theirs.pk and (int(ours.amount), int(theirs.amount)) == (2, 7)
    assert ours.idempotency_key == f"client:org:{issuer_admin.memberships.get().organization_id}:order-1"
    assert theirs.idempotency_key == f"client:org:{other_admin.memberships.get().organization_id}:order-1"


def test_members_of_one_organization_share_its_keys(bond, issuer_admin, investor_wallet, issuer_org):
    colleague = UserFactory(email="admin2@issuer.test", role=Role.ISSUER)
    MembershipFactory(user=colleague, organization=issuer_org, role=Membership.Role.ADMIN)
    first = tokens_issue(security=bond, wallet=investor_wallet, amount=2, actor=issuer_admin, reason="",
                         idempotency_key="batch-7")

    again = tokens_issue(security=bond, wallet=investor_wallet, amount=2, actor=colleague, reason="",
                         idempotency_key="batch-7")

    assert again.pk == first.pk and TokenAction.objects.count() == 1


def test_a_key_reused_for_another_operation_is_a_conflict(bond, issuer_admin, investor_wallet, second_investor):
    tokens_issue(security=bond, wallet=investor_wallet, amount=5, actor=issuer_admin, reason="", idempotency_key="k")

    with pytest.raises(ConflictError) as redeem:
        tokens_redeem(security=bond, wallet=investor_wallet.address, amount=5, actor=issuer_admin,
                      idempotency_key="k")
    with pytest.raises(ConflictError) as transfer:
        tokens_transfer(security=bond, from_wallet=investor_wallet.address,
                        to_wallet=wallet_of(second_investor).address, amount=1, actor=issuer_admin,
                        idempotency_key="k")

    assert redeem.value.code == transfer.value.code == "idempotency_conflict"
    assert TokenAction.objects.count() == 1


@pytest.mark.parametrize("key", ["x" * 129, "has space", "キー", "tab\tkey", "nul\x00"])
def test_a_malformed_key_is_refused(bond, issuer_admin, investor_wallet, key):
    with pytest.raises(ApplicationError) as refused:
        tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="",
                     idempotency_key=key)

    assert refused.value.code == "invalid_idempotency_key" and refused.value.status == 400
    assert not TokenAction.objects.exists()


# --- through the API: the Idempotency-Key header ----------------------------------------------

def _issue(api, bond, wallet, amount: str, key: str | None = None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(f"/api/ledger/securities/{bond.pk}/issue/", {"wallet": wallet.address, "amount": amount, **body},
                    format="json", **headers)


def test_the_same_request_replayed_returns_the_recorded_action(api, bond, issuer_admin, investor_wallet):
    api.force_authenticate(issuer_admin)
    first = _issue(api, bond, investor_wallet, "10", "pay-42")
    again = _issue(api, bond, investor_wallet, "10", "pay-42")

    assert first.status_code == again.status_code == 201, again.json()
    assert again.json()["id"] == first.json()["id"] and TokenAction.objects.count() == 1


def test_the_key_reused_with_another_body_is_a_409(api, bond, issuer_admin, investor_wallet):
    api.force_authenticate(issuer_admin)
    _issue(api, bond, investor_wallet, "10", "pay-43")

    reused = _issue(api, bond, investor_wallet, "11", "pay-43")

    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_conflict"
    assert TokenAction.objects.count() == 1 and Position.objects.get().balance == 10


def test_a_platform_key_sent_by_a_client_cannot_break_a_settlement(api, bond, issuer_admin, investor_wallet,
                                                                    other_bond, other_admin, verified_investor):
    theirs = SubscriptionFactory(offering=OfferingFactory(security=other_bond, documents=False),
                                 investor=verified_investor, units=5, status="ready_to_settle")
    api.force_authenticate(issuer_admin)
    assert _issue(api, bond, investor_wallet, "1", f"subscription:{theirs.pk}").status_code == 201

    api.force_authenticate(other_admin)
    settled = api.post("/api/ledger/settle/", {"subscriptions": [theirs.pk]}, format="json")

    assert settled.status_code == 201, settled.json()
    assert settled.json()[0]["idempotency_key"] == f"subscription:{theirs.pk}"


def test_a_malformed_header_is_a_400(api, bond, issuer_admin, investor_wallet):
    api.force_authenticate(issuer_admin)

    r = _issue(api, bond, investor_wallet, "1", "x" * 129)

    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_idempotency_key"
    assert not TokenAction.objects.exists()


def test_the_key_in_the_body_is_refused_with_a_pointer_to_the_header(api, bond, issuer_admin, investor_wallet):
    api.force_authenticate(issuer_admin)

    r = _issue(api, bond, investor_wallet, "1", idempotency_key="api-1")

    assert r.status_code == 400 and "Idempotency-Key" in r.json()["error"]["fields"]["idempotency_key"][0]
    assert not TokenAction.objects.exists()


# --- an investor's key: their own namespace ---------------------------------------------------

def test_an_investors_transfer_key_is_theirs_alone(api, bond, issuer_admin, investor_wallet, verified_investor,
                                                    second_investor):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="",
                 idempotency_key="move-1")   # the issuer's "move-1", in its organization's namespace
    position = Position.objects.get(security=bond, wallet=investor_wallet.address)
    api.force_authenticate(verified_investor)
    url = f"/api/ledger/holdings/{position.pk}/transfer/"
    body = {"to_wallet": wallet_of(second_investor).address, "amount": "3"}

    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    other = api.post(url, {**body, "amount": "4"}, format="json", HTTP_IDEMPOTENCY_KEY="move-1")

    assert first.status_code == again.status_code == 201, first.json()
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["action"]["idempotency_key"] == f"client:user:{verified_investor.pk}:move-1"
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert Position.objects.get(pk=position.pk).balance == 7
