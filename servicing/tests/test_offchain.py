"""Off-chain payment: the payment file (formula-safe CSV of the lines due) and lines marked
paid with the bank reference, per line or all remaining at once; bad input refused."""

from __future__ import annotations

import csv
import io

import pytest

from core.errors import ApplicationError, ConflictError
from investors.models import InvestorProfile
from servicing.models import CorporateAction, EntitlementLine
from servicing.services.payments import lines_mark_paid, payment_file

from .paying import recorded_action

L = EntitlementLine.Status
OFFCHAIN = CorporateAction.Method.OFFCHAIN


@pytest.fixture
def offchain(bond_held, compliance_officer):
    return recorded_action(bond_held, approver=compliance_officer, method=OFFCHAIN)


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_payment_file_lists_the_lines_due_safely(offchain, holders, issuer_admin, operator):
    InvestorProfile.objects.filter(user=holders.jp).update(legal_name='=HYPERLINK("https://evil.test","x")')
    table = rows(payment_file(action=offchain, actor=issuer_admin))
    assert table[0] == ["line_id", "holder", "wallet", "units", "gross", "withheld", "net", "currency"]
    assert len(table) == 4
    jp = next(row for row in table if row[2] == holders.jp_wallet.address)
    assert jp[1].startswith("'=")                             # a formula is text in any spreadsheet
    assert jp[3:] == ["10", "10000.00", "0.00", "10000.00", "JPY"]
    assert len(rows(payment_file(action=offchain, actor=operator))) == 4


def test_lines_are_marked_paid_one_by_one_then_all_remaining(offchain, issuer_admin):
    first, *rest = offchain.lines.order_by("id")
    assert lines_mark_paid(action=offchain, reference=" MIZUHO-0001 ", line_ids=[first.pk], actor=issuer_admin) == 1
    first.refresh_from_db()
    assert (first.status, first.paid_reference) == (L.PAID, "MIZUHO-0001") and first.paid_at is not None
    offchain.refresh_from_db()
    assert offchain.status == CorporateAction.Status.PAYING
    assert len(rows(payment_file(action=offchain, actor=issuer_admin))) == 3     # header + the two still due
    assert lines_mark_paid(action=offchain, reference="MIZUHO-0002", actor=issuer_admin) == 2
    offchain.refresh_from_db()
    assert offchain.status == CorporateAction.Status.PAID
    assert set(offchain.lines.values_list("status", flat=True)) == {L.PAID}
    assert rows(payment_file(action=offchain, actor=issuer_admin))[1:] == []


@pytest.mark.parametrize(("reference", "code"), [("", "reference_required"), ("   ", "reference_required"),
                                                 ("x" * 101, "reference_required"), ("REF\x00", "reference_required")])
def test_a_bank_reference_is_required(offchain, issuer_admin, reference, code):
    with pytest.raises(ApplicationError) as error:
        lines_mark_paid(action=offchain, reference=reference, actor=issuer_admin)
    assert error.value.code == code and error.value.status == 400
    assert set(offchain.lines.values_list("status", flat=True)) == {L.DUE}


def test_bad_lines_are_refused(offchain, bond_held, compliance_officer, issuer_admin):
    line = offchain.lines.order_by("id").first()
    with pytest.raises(ApplicationError) as error:
        lines_mark_paid(action=offchain, reference="REF", line_ids=[line.pk, 10**9], actor=issuer_admin)
    assert error.value.code == "unknown_line"
    with pytest.raises(ApplicationError) as error:
        lines_mark_paid(action=offchain, reference="REF", line_ids=["one"], actor=issuer_admin)
    assert error.value.code == "invalid_lines"
    with pytest.raises(ApplicationError) as error:
        lines_mark_paid(action=offchain, reference="REF", line_ids=[], actor=issuer_admin)
    assert error.value.code == "invalid_lines"
    lines_mark_paid(action=offchain, reference="REF", line_ids=[line.pk], actor=issuer_admin)
    with pytest.raises(ConflictError) as error:
        lines_mark_paid(action=offchain, reference="REF-2", line_ids=[line.pk], actor=issuer_admin)
    assert error.value.code == "line_not_due"
    line.refresh_from_db()
    assert line.paid_reference == "REF"
    lines_mark_paid(action=offchain, reference="REF-3", actor=issuer_admin)
    with pytest.raises(ConflictError) as error:
        lines_mark_paid(action=offchain, reference="REF-4", actor=issuer_admin)
    assert error.value.code == "not_payable"          # paid: nothing left to mark


def test_a_chain_action_has_no_payment_file_and_no_bank_reference(bond_held, compliance_officer, issuer_admin):
    action = recorded_action(bond_held, approver=compliance_officer)
    with pytest.raises(ConflictError) as error:
        payment_file(action=action, actor=issuer_admin)
    assert error.value.code == "not_offchain"
    with pytest.raises(ConflictError) as error:
        lines_mark_paid(action=action, reference="REF", actor=issuer_admin)
    assert error.value.code == "not_offchain"
    assert set(action.lines.values_list("status", flat=True)) == {L.DUE}


def test_an_unapproved_action_is_not_marked_paid(offchain, issuer_admin):
    CorporateAction.objects.filter(pk=offchain.pk).update(approved_at=None)
    with pytest.raises(ConflictError) as error:
        lines_mark_paid(action=offchain, reference="REF", actor=issuer_admin)
    assert error.value.code == "not_approved"


def test_only_the_issuers_admins_and_operators_handle_the_payment_file(offchain, issuer_member, outsider,
                                                                       holders):
    for who, status in ((issuer_member, 403), (outsider, 404), (holders.jp, 404)):
        with pytest.raises(ApplicationError) as error:
            payment_file(action=offchain, actor=who)
        assert error.value.status == status
        with pytest.raises(ApplicationError) as error:
            lines_mark_paid(action=offchain, reference="REF", actor=who)
        assert error.value.status == status
    assert set(offchain.lines.values_list("status", flat=True)) == {L.DUE}
