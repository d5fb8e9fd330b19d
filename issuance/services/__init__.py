"""Writes of the issuance app, one module per use-case family. Each service is keyword-only,
owns its transaction (atomic(durable=True)), checks permissions and transitions itself and
writes its audit events in that transaction."""

from .issuers import issuer_approve, issuer_document_add, issuer_reject, issuer_save, issuer_submit
from .members import invitation_revoke, member_invite, member_role_set
from .offerings import (
    offering_cancel,
    offering_close,
    offering_create,
    offering_document_add,
    offering_ensure_editable,
    offering_publish,
    offering_update,
)
from .securities import security_create
from .subscriptions import (
    subscription_accept,
    subscription_agreement_accept,
    subscription_cancel,
    subscription_create,
    subscription_mark_funded,
    subscription_reject,
    subscriptions_accept_bulk,
    subscriptions_reject_bulk,
)

__all__ = [
    "issuer_approve", "issuer_document_add", "issuer_reject", "issuer_save", "issuer_submit",
    "invitation_revoke", "member_invite", "member_role_set",
    "offering_cancel", "offering_close", "offering_create", "offering_document_add", "offering_ensure_editable",
    "offering_publish", "offering_update",
    "security_create",
    "subscription_accept", "subscription_agreement_accept", "subscription_cancel", "subscription_create",
    "subscription_mark_funded", "subscription_reject", "subscriptions_accept_bulk", "subscriptions_reject_bulk",
]
