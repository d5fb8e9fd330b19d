"""The new-security form in a real browser: choosing the instrument shows its groups of
fields and hides the others' without a reload (static/js/security_form.js)."""

from __future__ import annotations

import pytest
from django.conf import settings

from issuance.tests.factories import IssuerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_choosing_the_instrument_switches_the_fields_in_place(live_server, browser, login_verified, issuer_admin,
                                                              issuer_org):
    IssuerFactory(organization=issuer_org)
    session = login_verified(issuer_admin).cookies[settings.SESSION_COOKIE_NAME].value  # signed in, 2FA passed
    context = browser.new_context(locale="en-US")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/issuance/securities/new/")
    groups = {key: page.locator(f'fieldset[data-group="{key}"]')
              for key in ("equity-terms", "bond-terms", "bond-dates", "fund-terms", "rules")}

    def shown():
        return {key for key, group in groups.items() if group.is_visible()}

    assert shown() == {"rules"}  # nothing chosen yet: no instrument's terms, and a hint says why
    assert page.get_by_text("Choose the instrument to see its terms.").is_visible()
    page.get_by_label("Name", exact=True).fill("Switch test")  # the * marker is not part of the label's name
    marker = page.evaluate("document.location.href")

    page.get_by_label("Instrument").select_option("equity")
    assert shown() == {"equity-terms", "rules"}
    assert page.get_by_label("Authorized shares").evaluate("e => e.required")

    page.get_by_label("Instrument").select_option("bond")
    assert shown() == {"bond-terms", "bond-dates", "rules"}
    assert page.get_by_label("Face value per unit").evaluate("e => e.required")
    assert page.get_by_label("Authorized shares").evaluate("e => e.matches(':disabled')")  # hidden groups are not sent

    page.get_by_label("Instrument").select_option("fund")
    assert shown() == {"fund-terms", "rules"}
    assert not page.get_by_text("Choose the instrument to see its terms.").is_visible()
    assert page.evaluate("document.location.href") == marker  # no reload: what was typed is still there
    assert page.get_by_label("Name", exact=True).input_value() == "Switch test"
    context.close()
