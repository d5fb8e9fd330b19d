"""The issuer creates and edits a draft offering; bad terms are refused and change nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from core.errors import ApplicationError, ConflictError, NotFoundError
from core.models import AuditEvent
from issuance.models import Offering
from issuance.services import offering_create, offering_update

TERMS = {"title": "Green Bond 2031", "currency": "JPY", "price": "100000", "min_subscription": "1",
         "max_subscription": "50",
         "target": "800", "hard_cap": "1000", "opens_on": dt.date(2026, 5, 1), "closes_on": dt.date(2026, 6, 30),
         "payment_instructions": "MUFG 1234567"}


def test_issuer_creates_a_draft_offering(bond, issuer_member):
    o = offering_create(security=bond, data=TERMS, actor=issuer_member)
    assert o.status == Offering.Status.DRAFT and o.price == Decimal("100000") and o.hard_cap == 1000
    assert str(o.amount_for(3)) == "300,000 JPY"
    assert AuditEvent.objects.filter(action="offering.created", object_id=str(o.pk)).exists()


def test_usd_price_keeps_cents(bond, issuer_member):
    o = offering_create(security=bond, data={**TERMS, "currency": "USD", "price": "99.50"}, actor=issuer_member)
    assert o.unit_price.amount == Decimal("99.50") and str(o.amount_for(3)) == "298.50 USD"


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"closes_on": dt.date(2026, 4, 30)}, "closes_before_opens", "closes_on"),
    ({"min_subscription": "60"}, "min_above_max", "min_subscription"),
    ({"price": "0"}, "price_not_positive", "price"),
    ({"price": "-5"}, "price_not_positive", "price"),
    ({"price": "100.5"}, "invalid_price", "price"),
    ({"target": "2000"}, "target_above_cap", "target"),
    ({"max_subscription": "5000"}, "max_above_cap", "max_subscription"),
    ({"hard_cap": "1.5"}, "invalid_amount", "hard_cap"),
    ({"currency": "EUR"}, "invalid_currency", "currency"),
    ({"title": ""}, "required", "title"),
    ({"title": "t" * 201}, "title_too_long", "title"),           # was a database error (500)
    ({"price": "1000000000000000000"}, "price_too_large", "price"),  # more than the column holds: was a 500
    ({"price": "1e40"}, "price_too_large", "price"),
])
def test_bad_terms_are_refused(bond, issuer_member, change, code, field):
    with pytest.raises(ApplicationError) as err:
        offering_create(security=bond, data={**TERMS, **change}, actor=issuer_member)
    assert err.value.code == code and field in err.value.fields
    assert not Offering.objects.exists()


def test_draft_is_edited_and_a_published_offering_is_not(bond, issuer_admin, offering):
    draft = offering_create(security=bond, data=TERMS, actor=issuer_admin)
    assert offering_update(offering=draft, data={"price": "120000"}, actor=issuer_admin).price == Decimal("120000")
    draft.refresh_from_db()
    assert draft.hard_cap == 1000
    with pytest.raises(ConflictError):
        offering_update(offering=offering, data={"price": "1"}, actor=issuer_admin)


def test_bad_edit_changes_nothing(bond, issuer_admin):
    draft = offering_create(security=bond, data=TERMS, actor=issuer_admin)
    with pytest.raises(ApplicationError):
        offering_update(offering=draft, data={"min_subscription": "100"}, actor=issuer_admin)
    draft.refresh_from_db()
    assert draft.min_subscription == 1


def test_member_of_another_issuer_cannot_edit_the_offering(other_offering, issuer_member):
    other_offering.status = Offering.Status.DRAFT
    other_offering.save()
    with pytest.raises(NotFoundError):
        offering_update(offering=other_offering, data={"price": "1"}, actor=issuer_member)
    other_offering.refresh_from_db()
    assert other_offering.price == Decimal("100000")
