"""The JOCF export through the shared export service, its API and the cap table page: the
package a Japanese issuer's staff, compliance and operators download (checked against what
the JOCF schemas require), the audit row, the 400 for an issuer outside Japan, the 404 for
everyone else, and the page's link in both languages."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import AuditEvent
from ledger.exports.jocf import HOLDERS_FILE, MANIFEST_FILE, TRANSACTIONS_FILE

from . import ocf_register
from .jocf_rules import FILES, package_problems

register = ocf_register.register   # the export tests' fixtures
other_issuer_admin = ocf_register.other_issuer_admin


def _outside_japan(issuer):
    issuer.jurisdiction = "SG"
    issuer.save(update_fields=["jurisdiction"])


def _files(body: bytes) -> dict[str, dict]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def _issuer_url(issuer, fmt="jocf"):
    return reverse("ledger-api:issuer-export", args=[issuer.pk, fmt])


@pytest.mark.parametrize("persona", ["issuer_admin", "issuer_member", "compliance_officer", "operator"])
def test_who_may_export_gets_a_valid_jocf_package_and_an_audit_row(request, api, issuer, register, persona):
    user = request.getfixturevalue(persona)
    api.force_authenticate(user)
    response = api.get(_issuer_url(issuer), HTTP_ACCEPT="application/zip")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.jocf.zip"')
    files = _files(response.content)
    assert package_problems({name: files[name] for name in FILES}) == []
    assert {tx["object_type"] for tx in files[TRANSACTIONS_FILE]["items"]} == {
        "TX_STOCK_ISSUANCE", "TX_STOCK_TRANSFER", "TX_STOCK_REPURCHASE"}
    event = AuditEvent.objects.get(action="captable.exported", actor=user)
    assert event.new_values["format"] == "jocf" and event.new_values["securities"] == [register.security.pk]
    assert event.new_values["md5"] == hashlib.md5(response.content, usedforsecurity=False).hexdigest()
    assert event.new_values["security_holders"] == len(files[HOLDERS_FILE]["items"]) == 3


def test_one_security_exports_its_own_class(api, issuer_admin, register):
    api.force_authenticate(issuer_admin)
    response = api.get(reverse("ledger-api:security-export", args=[register.security.pk, "jocf"]))
    assert response.status_code == 200
    files = _files(response.content)
    assert [c["name"] for c in files["StockClassesFile.jocf.json"]["items"]] == ["Common"]
    assert response["Content-Disposition"] == f'attachment; filename="SKRC-{files[MANIFEST_FILE]["as_of"]}.jocf.zip"'


def test_an_issuer_outside_japan_gets_a_400_with_a_code_and_no_export_row(api, issuer_admin, issuer, register):
    _outside_japan(issuer)
    api.force_authenticate(issuer_admin)
    for url in (_issuer_url(issuer), reverse("ledger-api:security-export", args=[register.security.pk, "jocf"])):
        response = api.get(url, HTTP_ACCEPT="application/zip")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error"]["code"] == "jocf_not_japanese_issuer"
        assert "SG" in response.json()["error"]["message"]
    assert not AuditEvent.objects.filter(action="captable.exported").exists()
    assert api.get(_issuer_url(issuer, "ocf")).status_code == 200       # OCF stays open to it


@pytest.mark.parametrize("persona", ["outsider", "other_issuer_admin", "verified_investor"])
def test_everyone_else_gets_a_404_recorded_even_for_an_issuer_outside_japan(request, api, issuer, register, persona):
    user = request.getfixturevalue(persona)
    api.force_authenticate(user)
    assert api.get(_issuer_url(issuer)).status_code == 404
    _outside_japan(issuer)      # the jurisdiction is checked after who asks: nothing leaks
    response = api.get(reverse("ledger-api:security-export", args=[register.security.pk, "jocf"]))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert AuditEvent.objects.filter(action="access_denied", actor=user).count() == 2
    assert not AuditEvent.objects.filter(action="captable.exported").exists()


# -- the cap table page -----------------------------------------------------------------------

def test_the_page_links_to_jocf_for_a_japanese_issuer_in_both_languages(client, login_verified, issuer_admin,
                                                                         register):
    login_verified(issuer_admin)
    url = reverse("ledger:cap-table", args=[register.security.pk])
    link = reverse("ledger:issuer-export", args=[register.security.issuer_id, "jocf"])
    english = client.get(url).content.decode()
    assert link in english and "Japan Open Cap Format" in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    japanese = client.get(url).content.decode()
    assert link in japanese and "証券保有者、株式種類、トランザクション" in japanese
    assert "security holders, stock classes and transactions" not in japanese and "Japan Open Cap" not in japanese


def test_the_page_has_no_jocf_link_for_an_issuer_outside_japan(client, login_verified, issuer_admin, issuer,
                                                                register):
    _outside_japan(issuer)
    login_verified(issuer_admin)
    page = client.get(reverse("ledger:cap-table", args=[register.security.pk])).content.decode()
    assert reverse("ledger:issuer-export", args=[issuer.pk, "jocf"]) not in page
    assert reverse("ledger:issuer-export", args=[issuer.pk, "ocf"]) in page


def test_the_page_download_is_the_package_audited_and_refused_outside_japan(client, login_verified, issuer_admin,
                                                                            issuer, register):
    login_verified(issuer_admin)
    url = reverse("ledger:issuer-export", args=[issuer.pk, "jocf"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert _files(response.content)[MANIFEST_FILE]["format"] == "JOCF"
    assert AuditEvent.objects.filter(action="captable.exported", actor=issuer_admin).count() == 1
    _outside_japan(issuer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    refused = client.get(url)
    assert refused.status_code == 400 and "日本で設立された発行体" in refused.content.decode()
    assert AuditEvent.objects.filter(action="captable.exported", actor=issuer_admin).count() == 1
