"""Exporting a cap table (ledger.exports.service, the API and the cap table page): who may
(the issuer's own staff, compliance officers, operators), the 404 for everyone else with its
audit row, the audit row of each export, bad input, and the page's link in both languages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.text import slugify

from core.models import AuditEvent
from ledger.exports.service import captable_export

from . import ocf_register
from .ocf_register import equity_security
from .ocf_schemas import read_package, schema_errors

register = ocf_register.register   # the export tests' fixtures
other_issuer_admin = ocf_register.other_issuer_admin


def _url(issuer, fmt="ocf"):
    return reverse("ledger-api:issuer-export", args=[issuer.pk, fmt])


@pytest.mark.parametrize("persona", ["issuer_admin", "issuer_member", "compliance_officer", "operator"])
def test_who_may_export_gets_the_zip_and_an_audit_row(request, api, issuer, register, persona):
    user = request.getfixturevalue(persona)
    api.force_authenticate(user)
    response = api.get(_url(issuer), HTTP_ACCEPT="application/zip")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{slugify(issuer.legal_name)}-')
    assert response["Content-Disposition"].endswith('.ocf.zip"')
    files = read_package(response.content)
    assert [e for d in files.values() for e in schema_errors(d)] == []
    event = AuditEvent.objects.get(action="captable.exported", actor=user)
    assert event.new_values["format"] == "ocf" and event.new_values["securities"] == [register.security.pk]
    assert event.new_values["filename"].endswith(".ocf.zip") and len(event.new_values["md5"]) == 32


def test_one_security_exports_one_stock_class(api, issuer_admin, register):
    api.force_authenticate(issuer_admin)
    response = api.get(reverse("ledger-api:security-export", args=[register.security.pk, "ocf"]))
    assert response.status_code == 200
    files = read_package(response.content)
    assert len(files["StockClasses.ocf.json"]["items"]) == 1
    as_of = files["Manifest.ocf.json"]["as_of"]
    assert response["Content-Disposition"] == f'attachment; filename="SKRC-{as_of}.ocf.zip"'


@pytest.mark.parametrize("persona", ["outsider", "other_issuer_admin", "verified_investor"])
def test_everyone_else_gets_a_404_and_it_is_recorded(request, api, issuer, register, persona):
    user = request.getfixturevalue(persona)
    api.force_authenticate(user)
    for url in (_url(issuer), reverse("ledger-api:security-export", args=[register.security.pk, "ocf"])):
        response = api.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert AuditEvent.objects.filter(action="access_denied", actor=user).count() == 2
    assert not AuditEvent.objects.filter(action="captable.exported").exists()


def test_a_missing_issuer_is_the_same_404(api, issuer_admin):
    api.force_authenticate(issuer_admin)
    assert api.get(reverse("ledger-api:issuer-export", args=[999999, "ocf"])).status_code == 404


def test_an_unknown_format_is_a_400(api, issuer_admin, issuer, register):
    api.force_authenticate(issuer_admin)
    response = api.get(_url(issuer, "xlsx"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_export_format"
    assert not AuditEvent.objects.filter(action="captable.exported").exists()


def test_an_unknown_format_for_someone_else_is_still_a_404(api, outsider, issuer, register):
    """The format is checked after who asks: an outsider learns nothing about the issuer."""
    api.force_authenticate(outsider)
    assert api.get(_url(issuer, "xlsx")).status_code == 404


def test_signed_out_is_refused(api, issuer, register):
    assert api.get(_url(issuer)).status_code in (401, 403)


def test_an_issuer_with_only_a_bond_gets_a_package_that_says_nothing_is_exportable(api, issuer_admin, issuer, bond):
    api.force_authenticate(issuer_admin)
    response = api.get(_url(issuer))
    assert response.status_code == 200
    files = read_package(response.content)
    assert files["Transactions.ocf.json"]["items"] == []
    assert any(bond.symbol in c for c in files["Manifest.ocf.json"]["comments"])


def test_the_service_refuses_an_outsider(outsider, issuer, issuer_admin):
    from core.errors import NotFoundError

    security = equity_security(issuer=issuer, created_by=issuer_admin)
    with pytest.raises(NotFoundError):
        captable_export(actor=outsider, format="ocf", security=security)
    assert AuditEvent.objects.filter(action="access_denied", actor=outsider).exists()


def test_the_schema_documents_the_export_as_binary(api, operator):
    api.force_authenticate(operator)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    if schema.status_code != 200:
        pytest.fail(f"no schema at /api/schema/: {schema.status_code}")
    paths = schema.json()["paths"]
    operation = paths["/api/ledger/issuers/{id}/exports/{export_format}/"]["get"]
    assert operation["responses"]["200"]["content"]["application/zip"]["schema"] == {"type": "string",
                                                                                      "format": "binary"}
    (fmt,) = [p for p in operation["parameters"] if p["name"] == "export_format"]
    assert sorted(fmt["schema"]["enum"]) == ["jocf", "ocf"]


# -- the cap table page -----------------------------------------------------------------------

def test_the_cap_table_page_links_to_the_export_in_both_languages(client, login_verified, issuer_admin, register):
    login_verified(issuer_admin)
    url = reverse("ledger:cap-table", args=[register.security.pk])
    english = client.get(url).content.decode()
    link = reverse("ledger:issuer-export", args=[register.security.issuer_id, "ocf"])
    assert link in english and "Open Cap Table Format" in english and "Bonds and fund units are left out" in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    japanese = client.get(url).content.decode()
    assert link in japanese and "社債とファンド持分は含まれません" in japanese
    assert "Bonds and fund units are left out" not in japanese and "Export to other cap table systems" not in japanese


def test_the_page_download_is_the_package_and_is_audited(client, login_verified, issuer_admin, register):
    login_verified(issuer_admin)
    response = client.get(reverse("ledger:issuer-export", args=[register.security.issuer_id, "ocf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert read_package(response.content)["Manifest.ocf.json"]["file_type"] == "OCF_MANIFEST_FILE"
    assert AuditEvent.objects.filter(action="captable.exported", actor=issuer_admin).count() == 1


def test_the_page_download_refuses_an_outsider_and_a_bad_format(client, login_verified, issuer_admin, outsider,
                                                                register):
    client.force_login(outsider)
    assert client.get(reverse("ledger:issuer-export", args=[register.security.issuer_id, "ocf"])).status_code == 404
    login_verified(issuer_admin)
    assert client.get(reverse("ledger:issuer-export", args=[register.security.issuer_id, "pdf"])).status_code == 400
