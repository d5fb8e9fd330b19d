"""Helpers of the servicing page and API tests: actions and lines written straight into the
tables (the services that normally write them have their own tests), and signed-in clients."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from conftest import totp_now
from core.clock import business_today
from servicing.models import CorporateAction, EntitlementLine


def action_make(security, *, created_by=None, **fields) -> CorporateAction:
    """A scheduled action of `security` (a coupon of a bond, else a dividend) paying 1,000 a unit
    in ten days, recorded in five."""
    today = business_today()
    values = {
        "kind": CorporateAction.Kind.COUPON if security.kind == "bond" else CorporateAction.Kind.DIVIDEND,
        "sequence": 1 if security.kind == "bond" else 0, "currency": security.currency,
        "declaration_date": today, "record_date": today + dt.timedelta(days=5),
        "ex_date": today + dt.timedelta(days=4), "payment_date": today + dt.timedelta(days=10),
        "per_unit_amount": Decimal("1000"), "created_by": created_by,
    }
    values.update(fields)
    return CorporateAction.objects.create(security=security, **values)


def lines_make(action: CorporateAction, holdings: list[tuple], *, rate: Decimal = Decimal("20.315"),
               status: str = CorporateAction.Status.RECORDED) -> list[EntitlementLine]:
    """Lines for (user, wallet, units) at the action's per-unit amount, withheld at `rate`
    rounded down to the yen; the action recorded with their totals."""
    lines = []
    for user, wallet, units in holdings:
        gross = action.per_unit_amount * units
        withheld = (gross * rate / 100).quantize(Decimal(1), rounding="ROUND_DOWN")
        lines.append(EntitlementLine(action=action, investor=user, wallet=getattr(wallet, "address", wallet),
                                     units=units, gross=gross, withheld=withheld, net=gross - withheld,
                                     tax_rate=rate, tax_category="JP/individual/interest", residence="JP"))
    EntitlementLine.objects.bulk_create(lines)
    action.gross_total = sum(x.gross for x in lines)
    action.withheld_total = sum(x.withheld for x in lines)
    action.net_total = sum(x.net for x in lines)
    action.line_count = len(lines)
    action.status = status
    action.save()
    return list(action.lines.order_by("id"))


def signed_in(user) -> Client:
    """A client signed in as `user`, past 2FA when the user has a device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        response = client.post(reverse("accounts:2fa-verify"), {"token": totp_now(device)})
        assert response.status_code == 302
    return client


def other_issuer_admin():
    """An admin (with 2FA) of another, approved issuer."""
    from accounts.models import Membership, Role
    from accounts.tests.factories import MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
    from issuance.tests.factories import IssuerFactory

    org = OrganizationFactory(name="Fuji Foods K.K.")
    IssuerFactory(organization=org)
    user = UserFactory(email="admin@fuji.test", role=Role.ISSUER)
    MembershipFactory(user=user, organization=org, role=Membership.Role.ADMIN)
    TOTPDeviceFactory(user=user)
    return user
