"""The register's invariants, checked by tests after every step and by operators on demand:
for every security, sum(positions) = issued - redeemed = outstanding; no negative or
over-frozen or over-held position; every platform action has its outbox row (the two legs of a
settlement share their settlement's)."""

from __future__ import annotations

from django.db.models import CharField, F, Q, Sum, Value
from django.db.models.functions import Cast, Concat

from core.outbox_payloads import OutboxKind
from issuance.models import Security

from .models import ControlBook, Position, TokenAction


def check_invariants(*, security: Security | None = None) -> list[str]:
    problems: list[str] = []
    positions = Position.objects.all()
    books = ControlBook.objects.all()
    actions = TokenAction.objects.all()
    if security is not None:
        positions, books, actions = (qs.filter(security=security) for qs in (positions, books, actions))
    totals = {row["security_id"]: int(row["s"] or 0)
              for row in positions.values("security_id").annotate(s=Sum("balance"))}
    seen = set()
    for book in books:
        seen.add(book.security_id)
        held = totals.get(book.security_id, 0)
        issued, redeemed, outstanding = int(book.issued), int(book.redeemed), int(book.outstanding)
        if issued - redeemed != outstanding:
            problems.append(f"security {book.security_id}: issued {issued} - redeemed {redeemed} "
                            f"!= outstanding {outstanding}")
        if held != outstanding:
            problems.append(f"security {book.security_id}: positions sum to {held}, "
                            f"control book outstanding is {outstanding}")
        if book.authorized and outstanding > int(book.authorized):
            problems.append(f"security {book.security_id}: outstanding {outstanding} "
                            f"exceeds authorized {int(book.authorized)}")
    for security_id, held in totals.items():
        if security_id not in seen and held:
            problems.append(f"security {security_id}: positions sum to {held} but there is no control book")
    for p in positions.filter(Q(balance__lt=0) | Q(frozen__lt=0)):
        problems.append(f"security {p.security_id} wallet {p.wallet}: "
                        f"negative position ({p.balance}, frozen {p.frozen})")
    for p in positions.filter(frozen__gt=0).iterator():
        if p.frozen > p.balance:
            problems.append(f"security {p.security_id} wallet {p.wallet}: "
                            f"frozen {p.frozen} exceeds balance {p.balance}")
    for a in actions.filter(origin=TokenAction.Origin.PLATFORM, outbox__isnull=True):
        problems.append(f"action {a.pk} ({a.kind}): no outbox row")
    expected_key = Concat(Value("action:"), Cast(F("id"), CharField()), output_field=CharField())
    # The lines of a corporate action's payment batch share the batch's one outbox row
    # (payment.batch: the cash moves; redemption.burn: the redeemed units).
    batched = (OutboxKind.PAYMENT_BATCH, OutboxKind.REDEMPTION_BURN)
    mismatched = (actions.filter(origin=TokenAction.Origin.PLATFORM, outbox__isnull=False, settlement__isnull=True)
                  .exclude(outbox__kind__in=batched).exclude(outbox__idempotency_key=expected_key))
    for a in mismatched:
        problems.append(f"action {a.pk} ({a.kind}): its outbox row is not action:{a.pk}")
    for a in actions.filter(kind=TokenAction.Kind.PAYMENT).exclude(outbox__kind=OutboxKind.PAYMENT_BATCH):
        problems.append(f"action {a.pk} ({a.kind}): its outbox row is not a payment batch")
    # The two legs of a settlement share the settlement's one outbox row.
    for a in actions.filter(settlement__isnull=False).exclude(outbox=F("settlement__outbox")):
        problems.append(f"action {a.pk} ({a.kind}): its outbox row is not its settlement's")
    for p in positions.filter(Q(held__lt=0) | Q(held__gt=F("balance") - F("frozen"))):
        problems.append(f"security {p.security_id} wallet {p.wallet}: held {p.held} exceeds the unfrozen balance")
    return problems
