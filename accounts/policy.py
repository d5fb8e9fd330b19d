"""Who may do what: the role x action policy of every write on issuer-owned and platform
objects, as ONE table (POLICY), enforced by the services (each names its Action and calls
policy_ensure), rendered into docs/security.md (`manage.py policy_table --write`) and turned into
tests (tests/test_policy_matrix.py exercises every action with every kind of actor).

An actor's kind is relative to the object: an admin or member of the object's organization,
else a compliance officer, an operator or an investor by role, else nobody (a person of
another organization). Refusals follow the one rule of accounts.access (404 for an object the
actor may not see, 403 for one it sees but may not act on, and for a desk its role lacks):
- an issuer-scoped action refuses those who may not see the issuer's objects (investors,
  other organizations) with 404 `not_found`, a member without the needed role with 403
  `admin_required`, and compliance officers and operators (who read every issuer's objects)
  with 403 `permission_denied`;
- a platform action (a desk) refuses with its own 403 (e.g. `compliance_required`).

`two_factor`: the step moves money or tokens (or decides on them), so only kinds of actor who
must pass TOTP (TWO_FACTOR_ACTORS, the same set as User.requires_two_factor) may take it.
That is why money steps are issuer-admin steps: members sign in without a second factor.
policy_problems() lists any row that breaks this; a test keeps it empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from core.audit import audit_refused_access
from core.db import in_transaction
from core.errors import ApplicationError, NotFoundError, PermissionDeniedError

from .models import Membership, Role


class Actor(StrEnum):
    ISSUER_ADMIN = "issuer_admin"
    ISSUER_MEMBER = "issuer_member"
    COMPLIANCE = "compliance"
    OPERATOR = "operator"
    INVESTOR = "investor"
    #: A cash agent (the trust bank's staff): at the cash desk, and on the trust bank's own
    #: objects (the cash tokens) as one of its organization's members; elsewhere nobody.
    CASH_AGENT = "cash_agent"


# Who must pass TOTP before any page or token (accounts.models.User.requires_two_factor).
TWO_FACTOR_ACTORS = frozenset({Actor.ISSUER_ADMIN, Actor.COMPLIANCE, Actor.OPERATOR, Actor.CASH_AGENT})


class Scope(StrEnum):
    ISSUER = "issuer"      # an object of one issuer's organization: membership is checked
    PLATFORM = "platform"  # platform-wide desks (compliance, operators)


class Action(StrEnum):
    ISSUER_APPLY = "issuer.apply"
    ISSUER_DECIDE = "issuer.decide"
    MEMBER_INVITE = "member.invite"
    MEMBER_ROLE_SET = "member.role_set"
    SECURITY_CREATE = "security.create"
    OFFERING_CREATE = "offering.create"
    OFFERING_DOCUMENT_ADD = "offering.document_add"
    OFFERING_EDIT = "offering.edit"
    OFFERING_PUBLISH = "offering.publish"
    OFFERING_CLOSE = "offering.close"
    OFFERING_CANCEL = "offering.cancel"
    SUBSCRIPTION_FUND = "subscription.fund"
    SUBSCRIPTION_ACCEPT = "subscription.accept"
    SUBSCRIPTION_REJECT = "subscription.reject"
    SUBSCRIPTION_SETTLE = "subscription.settle"
    TOKENS_ISSUE = "tokens.issue"
    TOKENS_TRANSFER = "tokens.transfer"
    TOKENS_REDEEM = "tokens.redeem"
    TOKENS_FREEZE = "tokens.freeze"
    WALLET_FREEZE = "wallet.freeze"
    SECURITY_PAUSE = "security.pause"
    FORCED_TRANSFER_REQUEST = "forced_transfer.request"
    FORCED_TRANSFER_DECIDE = "forced_transfer.decide"
    KYC_DECIDE = "kyc.decide"
    TAX_PROFILE_SET = "tax_profile.set"
    CHAIN_OUTBOX_RETRY = "chain.outbox_retry"
    CHAIN_BREAK_RESOLVE = "chain.break_resolve"
    CHAIN_RECONCILE = "chain.reconcile"
    CASH_TOKEN_CREATE = "cash.token_create"
    CASH_DEPOSIT_RECORD = "cash.deposit_record"
    CASH_WITHDRAWAL_PAY = "cash.withdrawal_pay"
    TREASURY_CASH = "treasury.cash"
    CORPORATE_ACTION_DECLARE = "corporate_action.declare"
    CORPORATE_ACTION_APPROVE = "corporate_action.approve"
    CORPORATE_ACTION_CANCEL = "corporate_action.cancel"
    CORPORATE_ACTION_PAY = "corporate_action.pay"
    CORPORATE_ACTION_READ = "corporate_action.read"
    STAFF_INVITE = "staff.invite"
    WEBHOOK_MANAGE = "webhook.manage"
    WEBHOOK_PLATFORM = "webhook.platform"


@dataclass(frozen=True)
class Refusal:
    """The error a refused actor gets (platform actions; issuer-scoped ones derive theirs)."""

    status: int
    code: str
    message: str

    def error(self) -> ApplicationError:
        kind = NotFoundError if self.status == 404 else PermissionDeniedError
        return kind(str(self.message), code=self.code)


NOT_FOUND = Refusal(404, "not_found", _("Not found."))
ADMIN_REQUIRED = Refusal(403, "admin_required", _("Only an issuer admin may do this."))
STAFF_REFUSED = Refusal(403, "permission_denied", _("Only the issuer's own people may take this action."))
COMPLIANCE_REQUIRED = Refusal(403, "compliance_required", _("Only compliance officers may do this."))
CASH_AGENT_REQUIRED = Refusal(403, "cash_agent_required", _("Only cash agents may do this."))


@dataclass(frozen=True)
class Rule:
    actors: frozenset[Actor]
    scope: Scope
    two_factor: bool
    services: tuple[str, ...]
    refusal: Refusal | None = None   # platform actions only

    def refusal_for(self, kind: Actor | None) -> Refusal:
        """What `kind` gets when it may not take this action."""
        if self.scope == Scope.PLATFORM:
            return self.refusal
        if kind in (Actor.ISSUER_ADMIN, Actor.ISSUER_MEMBER):
            return ADMIN_REQUIRED if Actor.ISSUER_ADMIN in self.actors else COMPLIANCE_REQUIRED
        if kind in (Actor.COMPLIANCE, Actor.OPERATOR):
            return STAFF_REFUSED  # they see every issuer's objects: 403, not 404
        if kind == Actor.CASH_AGENT:
            return STAFF_REFUSED  # a member of the trust bank, on its own objects
        return NOT_FOUND


A = Actor
_ADMIN = frozenset({A.ISSUER_ADMIN})
_STAFF = frozenset({A.ISSUER_ADMIN, A.ISSUER_MEMBER})
_COMPLIANCE = frozenset({A.COMPLIANCE})
_DESK = frozenset({A.OPERATOR, A.COMPLIANCE})
_CASH = frozenset({A.CASH_AGENT})
_COMPLIANCE_OR_CASH = frozenset({A.COMPLIANCE, A.CASH_AGENT})
# Token controls: the issuer's admin, compliance, and on a cash token the cash agents (who
# count as cash agents only on the trust bank's own objects, see actor_kind).
_CONTROLS = frozenset({A.ISSUER_ADMIN, A.COMPLIANCE, A.CASH_AGENT})
ISSUER, PLATFORM = Scope.ISSUER, Scope.PLATFORM

# The one table. Services are named as `app.services.function` (the API and pages call them).
POLICY: dict[Action, Rule] = {
    Action.ISSUER_APPLY: Rule(_ADMIN, ISSUER, True, (
        "issuance.services.issuer_save", "issuance.services.issuer_document_add", "issuance.services.issuer_submit")),
    Action.ISSUER_DECIDE: Rule(_COMPLIANCE, PLATFORM, True, (
        "issuance.services.issuer_approve", "issuance.services.issuer_reject"),
        Refusal(403, "compliance_required", _("Only compliance officers may decide on issuers."))),
    Action.MEMBER_INVITE: Rule(_ADMIN, ISSUER, True, (
        "issuance.services.member_invite", "issuance.services.invitation_revoke")),
    Action.MEMBER_ROLE_SET: Rule(_ADMIN, ISSUER, True, ("issuance.services.member_role_set",)),
    Action.SECURITY_CREATE: Rule(_STAFF, ISSUER, False, ("issuance.services.security_create",)),
    Action.OFFERING_CREATE: Rule(_STAFF, ISSUER, False, ("issuance.services.offering_create",)),
    Action.OFFERING_DOCUMENT_ADD: Rule(_STAFF, ISSUER, False, ("issuance.services.offering_document_add",)),
    Action.OFFERING_EDIT: Rule(_ADMIN, ISSUER, True, ("issuance.services.offering_update",)),
    Action.OFFERING_PUBLISH: Rule(_ADMIN, ISSUER, True, ("issuance.services.offering_publish",)),
    Action.OFFERING_CLOSE: Rule(_ADMIN, ISSUER, True, ("issuance.services.offering_close",)),
    Action.OFFERING_CANCEL: Rule(_ADMIN, ISSUER, True, ("issuance.services.offering_cancel",)),
    Action.SUBSCRIPTION_FUND: Rule(_ADMIN, ISSUER, True, ("issuance.services.subscription_mark_funded",)),
    Action.SUBSCRIPTION_ACCEPT: Rule(_ADMIN, ISSUER, True, (
        "issuance.services.subscription_accept", "issuance.services.subscriptions_accept_bulk")),
    Action.SUBSCRIPTION_REJECT: Rule(_ADMIN, ISSUER, True, (
        "issuance.services.subscription_reject", "issuance.services.subscriptions_reject_bulk")),
    Action.SUBSCRIPTION_SETTLE: Rule(_ADMIN, ISSUER, True, (
        "ledger.services.subscription_settle", "ledger.services.subscriptions_settle")),
    Action.TOKENS_ISSUE: Rule(_ADMIN, ISSUER, True, (
        "ledger.services.tokens_issue", "ledger.services.tokens_issue_many")),
    Action.TOKENS_TRANSFER: Rule(_ADMIN, ISSUER, True, ("ledger.services.tokens_transfer",)),
    Action.TOKENS_REDEEM: Rule(_ADMIN, ISSUER, True, ("ledger.services.tokens_redeem",)),
    Action.TOKENS_FREEZE: Rule(_CONTROLS, ISSUER, True, (
        "ledger.services.tokens_freeze", "ledger.services.tokens_unfreeze")),
    Action.WALLET_FREEZE: Rule(_CONTROLS, ISSUER, True, (
        "ledger.services.wallet_freeze", "ledger.services.wallet_unfreeze")),
    Action.SECURITY_PAUSE: Rule(_CONTROLS, ISSUER, True, (
        "ledger.services.security_pause", "ledger.services.security_unpause")),
    Action.FORCED_TRANSFER_REQUEST: Rule(_COMPLIANCE_OR_CASH, PLATFORM, True, (
        "ledger.services.forced_transfer_request", "ledger.services.wallet_recovery_request"), COMPLIANCE_REQUIRED),
    Action.FORCED_TRANSFER_DECIDE: Rule(_COMPLIANCE_OR_CASH, PLATFORM, True, (
        "ledger.services.compliance_request_approve", "ledger.services.compliance_request_reject"),
        COMPLIANCE_REQUIRED),
    Action.KYC_DECIDE: Rule(_COMPLIANCE, PLATFORM, True, (
        "compliance.services.review_open", "compliance.services.review_clear_sanctions",
        "compliance.services.review_approve", "compliance.services.review_reject",
        "compliance.services.review_request_info"),
        COMPLIANCE_REQUIRED),
    Action.TAX_PROFILE_SET: Rule(_COMPLIANCE, PLATFORM, True, ("investors.tax.tax_profile_set",), Refusal(
        403, "compliance_required", _("Only compliance officers may set an investor's tax profile."))),
    Action.CHAIN_OUTBOX_RETRY: Rule(frozenset({A.OPERATOR}), PLATFORM, True, ("chain.services.outbox_retry",),
                                    Refusal(403, "permission_denied", _("Only operators may use the chain mirror."))),
    Action.CHAIN_BREAK_RESOLVE: Rule(_DESK, PLATFORM, True, ("chain.services.break_resolve",), Refusal(
        403, "permission_denied", _("Only operators and compliance officers may handle breaks."))),
    Action.CHAIN_RECONCILE: Rule(_DESK, PLATFORM, True, ("chain.services.reconcile_now",), Refusal(
        403, "permission_denied", _("Only operators and compliance officers may run a reconciliation."))),
    Action.CASH_TOKEN_CREATE: Rule(_CASH, PLATFORM, True, ("cash.services.cash_token_create",), CASH_AGENT_REQUIRED),
    Action.CASH_DEPOSIT_RECORD: Rule(_CASH, PLATFORM, True, (
        "cash.services.deposit_receipt_record", "cash.services.deposit_approve", "cash.services.deposit_cancel"),
        CASH_AGENT_REQUIRED),
    Action.CASH_WITHDRAWAL_PAY: Rule(_CASH, PLATFORM, True, ("cash.services.withdrawal_mark_paid",),
                                     CASH_AGENT_REQUIRED),
    Action.TREASURY_CASH: Rule(_ADMIN, ISSUER, True, (
        "cash.services.treasury_deposit_request", "cash.services.treasury_withdrawal_request")),
    # The paying agent (servicing/): the issuer declares, a second person approves (four eyes:
    # compliance or the trust bank's cash agents, never the declarer), the issuer or an operator
    # cancels or pays; the issuer's people and the staff desks read.
    Action.CORPORATE_ACTION_DECLARE: Rule(_ADMIN, ISSUER, True, ("servicing.services.action_declare",)),
    Action.CORPORATE_ACTION_APPROVE: Rule(_COMPLIANCE_OR_CASH, PLATFORM, True, (
        "servicing.services.action_approve",), Refusal(
        403, "approver_required", _("Only compliance officers and cash agents may approve corporate actions."))),
    Action.CORPORATE_ACTION_CANCEL: Rule(frozenset({A.ISSUER_ADMIN, A.OPERATOR}), ISSUER, True, (
        "servicing.services.action_cancel",)),
    Action.CORPORATE_ACTION_PAY: Rule(frozenset({A.ISSUER_ADMIN, A.OPERATOR}), ISSUER, True, (
        "servicing.services.payment_run", "servicing.services.lines_mark_paid", "servicing.services.payment_file")),
    Action.CORPORATE_ACTION_READ: Rule(frozenset({A.ISSUER_ADMIN, A.ISSUER_MEMBER, A.COMPLIANCE, A.OPERATOR}),
                                       ISSUER, False, ("servicing.selectors.action_get_for",)),
    # Staff accounts (compliance officers, operators, cash agents) are invited by operators
    # (superusers too, whatever their role: accounts.staff). Nobody picks a staff role themselves.
    Action.STAFF_INVITE: Rule(frozenset({A.OPERATOR}), PLATFORM, True, (
        "accounts.staff.staff_invite", "accounts.staff.staff_invitation_revoke"),
        Refusal(403, "operator_required", _("Only operators may invite staff."))),
    # Webhooks (webhooks/): an organization's endpoints (create, rotate the secret, disable,
    # delete, read deliveries, replay) are its admins' (the signing secret and the payloads are
    # theirs); the platform's endpoints, which hear every organization's events, are operators'.
    Action.WEBHOOK_MANAGE: Rule(_ADMIN, ISSUER, True, (
        "webhooks.services.endpoint_create", "webhooks.services.endpoint_rotate",
        "webhooks.services.endpoint_disable", "webhooks.services.endpoint_delete",
        "webhooks.services.delivery_replay")),
    Action.WEBHOOK_PLATFORM: Rule(frozenset({A.OPERATOR}), PLATFORM, True, (
        "webhooks.services.endpoint_create", "webhooks.services.endpoint_rotate",
        "webhooks.services.endpoint_disable", "webhooks.services.endpoint_delete",
        "webhooks.services.delivery_replay"),
        Refusal(403, "operator_required", _("Only operators may manage the platform's webhooks."))),
}

#: Desk actions a cash agent takes only on a cash token (the services say which: cash_token=).
CASH_TOKENS_ONLY = frozenset({Action.FORCED_TRANSFER_REQUEST, Action.FORCED_TRANSFER_DECIDE})


# -- checking ------------------------------------------------------------------------------

_UNREAD = object()


def actor_kind(actor, *, organization_id: int | None = None, member_role=_UNREAD) -> Actor | None:
    """The actor's kind for an object of `organization_id` (None: a platform object).
    `member_role`: the actor's Membership.role there when the caller read it already
    (None: not a member), so the hot paths do not query twice."""
    if actor is None or not actor.is_authenticated:
        return None
    at_desk = organization_id is None and member_role is _UNREAD   # a platform action
    if member_role is _UNREAD:
        member_role = None
        if organization_id is not None:
            member_role = (Membership.objects.filter(user=actor, organization_id=organization_id)
                           .values_list("role", flat=True).first())
    if actor.role == Role.CASH_AGENT:
        # the trust bank's staff: its members act on its objects (cash tokens); at a desk
        # (no organization) by role; on any other organization's objects they are nobody
        return Actor.CASH_AGENT if member_role is not None or at_desk else None
    if member_role == Membership.Role.ADMIN:
        return Actor.ISSUER_ADMIN
    if member_role == Membership.Role.MEMBER:
        return Actor.ISSUER_MEMBER
    return {Role.COMPLIANCE: Actor.COMPLIANCE, Role.OPERATOR: Actor.OPERATOR,
            Role.INVESTOR: Actor.INVESTOR}.get(actor.role)


def policy_allows(actor, action: Action, *, organization_id: int | None = None,
                  member_role=_UNREAD) -> bool:
    kind = actor_kind(actor, organization_id=organization_id, member_role=member_role)
    return kind is not None and kind in POLICY[action].actors


def policy_ensure(actor, action: Action, *, organization_id: int | None = None,
                  member_role=_UNREAD, cash_token: bool | None = None) -> Actor:
    """The actor's kind when the table lets it take `action` on an object of
    `organization_id`; else raise the row's refusal (see the module docstring). Services
    call this inside their transaction, so a refusal writes nothing there: its
    `access_denied` event travels on the error and the edge that answers records it
    (core.audit.audit_refused_access; at once when no transaction is open)."""
    rule = POLICY[action]
    kind = actor_kind(actor, organization_id=organization_id, member_role=member_role)
    if kind == Actor.CASH_AGENT and action in CASH_TOKENS_ONLY and cash_token is False:
        kind = None   # a cash agent's forced transfers are on cash tokens only
    if kind is not None and kind in rule.actors:
        return kind
    error = rule.refusal_for(kind).error()
    if actor is not None and actor.is_authenticated:
        error.refused_access = {"actor": actor, "object_type": "accounts.organization",
                                "object_id": "" if organization_id is None else str(organization_id),
                                "new": {"action": str(action)}}
        if not in_transaction():
            audit_refused_access(error)
    raise error


def policy_problems() -> list[str]:
    """Rows that break the table's own rules (empty when it is sound)."""
    problems = []
    for action in Action:
        rule = POLICY.get(action)
        if rule is None:
            problems.append(f"{action}: no rule")
            continue
        if rule.two_factor and not rule.actors <= TWO_FACTOR_ACTORS:
            loose = ", ".join(sorted(rule.actors - TWO_FACTOR_ACTORS))
            problems.append(f"{action}: needs 2FA but is granted to {loose}, who sign in without it")
        if (rule.scope == Scope.PLATFORM) != (rule.refusal is not None):
            problems.append(f"{action}: a platform action names its refusal, an issuer action derives it")
        if rule.scope == Scope.PLATFORM and rule.refusal is not None and rule.refusal.status != 403:
            problems.append(f"{action}: a desk refuses the roles that lack it with 403 (accounts.access)")
        if rule.scope == Scope.ISSUER and Actor.ISSUER_ADMIN not in rule.actors:
            problems.append(f"{action}: an issuer action the issuer's admin may not take")
    return problems


# -- rendering -----------------------------------------------------------------------------

#: Where the table is rendered (between the markers), relative to the project root.
POLICY_DOC = "docs/security.md"
README_START = "<!-- policy:start -->"
README_END = "<!-- policy:end -->"
_HEADINGS = {Actor.ISSUER_ADMIN: "issuer admin", Actor.ISSUER_MEMBER: "issuer member",
             Actor.COMPLIANCE: "compliance", Actor.OPERATOR: "operator", Actor.INVESTOR: "investor",
             Actor.CASH_AGENT: "cash agent"}


def _refusals(rule: Rule) -> str:
    if rule.scope == Scope.PLATFORM:
        return f"{rule.refusal.status} `{rule.refusal.code}`"
    parts = [f"{NOT_FOUND.status} `{NOT_FOUND.code}` (investors, other organizations)"]
    if Actor.ISSUER_MEMBER not in rule.actors:
        parts.append(f"{ADMIN_REQUIRED.status} `{ADMIN_REQUIRED.code}` (members)")
    staff = [_HEADINGS[a] for a in (Actor.COMPLIANCE, Actor.OPERATOR) if a not in rule.actors]
    if staff:
        parts.append(f"{STAFF_REFUSED.status} `{STAFF_REFUSED.code}` ({', '.join(staff)})")
    return ", ".join(parts)


def policy_markdown() -> str:
    """The table as Markdown (English, for the README)."""
    columns = ["action", *(_HEADINGS[a] for a in Actor), "2FA", "refused with", "services"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for action in Action:
        rule = POLICY[action]
        marks = [("cash tokens" if a == Actor.CASH_AGENT and (action in CASH_TOKENS_ONLY or rule.scope == ISSUER)
                  else "yes") if a in rule.actors else "-" for a in Actor]
        services = ", ".join(f"`{name.rsplit('.', 1)[1]}`" for name in rule.services)
        lines.append("| " + " | ".join([f"`{action}`", *marks, "required" if rule.two_factor else "-",
                                        _refusals(rule), services]) + " |")
    return "\n".join(lines) + "\n"


def readme_section(text: str) -> str | None:
    """The README's text between the policy markers (None when they are missing)."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return None
    return text[start + len(README_START):end].strip("\n") + "\n"


def readme_with_table(text: str) -> str:
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError("README has no policy markers")
    return text[:start + len(README_START)] + "\n" + policy_markdown() + text[end:]
