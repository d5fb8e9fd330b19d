"""Writes for notifications. `notify` runs inside the deciding use case's transaction: the
rows commit or roll back with the decision, and the e-mails leave only after commit, each
claimed once by a conditional UPDATE (so a second notify of the same event, a retried task
or a concurrent sender never mails twice)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotFoundError

from .kinds import Kind, text_for
from .models import Notification

logger = logging.getLogger(__name__)


def site_url() -> str:
    """The address that prefixes links in e-mails (settings SITE_URL, else ISSUANCE_SITE_URL)."""
    return (getattr(settings, "SITE_URL", "") or getattr(settings, "ISSUANCE_SITE_URL", "")).rstrip("/")


def _recipient_ids(recipients) -> list[int]:
    if isinstance(recipients, User | int):
        recipients = [recipients]
    ids = {getattr(r, "pk", r) for r in recipients if r is not None}
    return sorted(ids)


def notify(*, event: str, recipients: Iterable | User | int, kind: str, params: dict | None = None,
           link: str = "") -> int:
    """Tell each recipient (active users) that `event` happened: one row per (recipient,
    event), a second call for the same event is a no-op. Must run inside the transaction
    that makes the change; the e-mails go after it commits. Returns the rows offered."""
    return notify_each(kind=kind, link=link,
                       items=[(event, pk, params or {}) for pk in _recipient_ids(recipients)])


def notify_each(*, kind: str, items: Iterable[tuple], link: str = "") -> int:
    """notify() for many events of one kind at once (one bulk insert): items are (event,
    recipient id, params) or (event, recipient id, params, link of its own), e.g. one payment
    per holder of a corporate action. Up to
    SEND_INLINE_MAX e-mails go right after commit; more are left to the send_pending_sweep
    (beat), so a large payout's commit does not wait on thousands of e-mails."""
    if not connection.in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the change it reports")
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    items = [(item[0][:120], item[1], item[2], (item[3] if len(item) > 3 else link)[:500]) for item in items]
    if not items:
        return 0
    active = set(User.objects.filter(pk__in={item[1] for item in items}, is_active=True).values_list("pk", flat=True))
    now = timezone.now()
    rows = [Notification(recipient_id=pk, event=event, kind=kind, params=params, link=own_link, created_at=now)
            for event, pk, params, own_link in items if pk in active]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)   # ON CONFLICT DO NOTHING
    pairs = [(row.event, row.recipient_id) for row in rows]
    if pairs and len(pairs) <= SEND_INLINE_MAX:
        transaction.on_commit(lambda: send_pending(pairs=pairs))
    return len(rows)


#: At most this many e-mails are sent in the committing process; the rest by the sweep.
SEND_INLINE_MAX = 50
SWEEP_BATCH = 200


def _claim(pairs: list[tuple[str, int]]) -> list[int]:
    """Mark the unsent rows of these (event, recipient) pairs as sent and return their ids:
    whoever runs this first owns the e-mail, every later caller gets nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_notification AS n SET emailed_at = %s "
            "FROM unnest(%s::varchar[], %s::bigint[]) AS p(event, recipient_id) "
            "WHERE n.event = p.event AND n.recipient_id = p.recipient_id AND n.emailed_at IS NULL RETURNING n.id",
            [timezone.now(), [e for e, _pk in pairs], [pk for _e, pk in pairs]])
        return [row[0] for row in cursor.fetchall()]


def _claim_unsent(limit: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_notification SET emailed_at = %s WHERE id IN ("
            "SELECT id FROM notifications_notification WHERE emailed_at IS NULL ORDER BY id LIMIT %s "
            "FOR UPDATE SKIP LOCKED) RETURNING id", [timezone.now(), limit])
        return [row[0] for row in cursor.fetchall()]


def send_pending(*, pairs: list[tuple[str, int]]) -> int:
    """E-mail the claimed rows of these (event, recipient) pairs, each in its recipient's
    language. Returns e-mails sent."""
    return _send(_claim(pairs))


def send_pending_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """E-mail up to `limit` rows not sent yet (a large fan-out, or an e-mail that failed)."""
    return _send(_claim_unsent(limit))


def _send(claimed: list[int]) -> int:
    """A row whose e-mail fails is released (emailed_at back to NULL) for the sweep."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=claimed).select_related("recipient").order_by("id"):
        try:
            email_send(notification)
            sent += 1
        except OSError:   # SMTP down: keep the row (listed in the app), the sweep mails it later
            logger.exception("notification %s: the e-mail could not be sent", notification.pk)
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
    return sent


def email_send(notification: Notification) -> None:
    user = notification.recipient
    language = user.language or settings.LANGUAGE_CODE
    link = site_url() + notification.link if notification.link.startswith("/") else notification.link
    with translation.override(language):
        subject, body = text_for(notification.kind, notification.params)
        text = render_to_string("notifications/email.txt", {"user": user, "body": body, "link": link,
                                                            "list_link": site_url() + reverse("notifications:list")})
    send_mail(" ".join(subject.split()), text, settings.DEFAULT_FROM_EMAIL, [user.email])


def _own(pk: int, actor: User) -> Notification:
    notification = Notification.objects.filter(pk=pk, recipient=actor).first()
    if notification is None:   # another person's: the same answer as one that does not exist
        raise NotFoundError(_("No such notification."), code="not_found")
    return notification


def notification_open(*, pk: int, actor: User) -> Notification:
    """The recipient opens one notification: it is read from now on. Returns it (for its link)."""
    with transaction.atomic(durable=True):
        notification = _own(pk, actor)
        if notification.read_at is None:
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        return notification


def notifications_read_all(*, actor: User) -> int:
    """Mark every unread notification of `actor` read. Returns how many."""
    with transaction.atomic(durable=True):
        return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
