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
    that makes the change; the e-mails go after it commits. Returns the rows added."""
    if not connection.in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the change it reports")
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    ids = _recipient_ids(recipients)
    if not ids:
        return 0
    ids = list(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    now = timezone.now()
    rows = [Notification(recipient_id=pk, event=event[:120], kind=kind, params=params or {}, link=link[:500],
                         created_at=now) for pk in ids]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)   # ON CONFLICT DO NOTHING
    event = event[:120]
    transaction.on_commit(lambda: send_pending(event=event, recipient_ids=ids))
    return len(ids)


def _claim(event: str, recipient_ids: list[int]) -> list[int]:
    """Mark the unsent rows of `event` as sent and return their ids: whoever runs this first
    owns the e-mail, every later caller gets nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_notification SET emailed_at = %s "
            "WHERE event = %s AND recipient_id = ANY(%s) AND emailed_at IS NULL RETURNING id",
            [timezone.now(), event, recipient_ids])
        return [row[0] for row in cursor.fetchall()]


def send_pending(*, event: str, recipient_ids: list[int]) -> int:
    """E-mail the claimed rows of `event`, each in its recipient's language. A row whose
    e-mail fails is released (emailed_at back to NULL) for a later attempt. Returns e-mails sent."""
    claimed = _claim(event, recipient_ids)
    sent = 0
    for notification in Notification.objects.filter(pk__in=claimed).select_related("recipient"):
        try:
            email_send(notification)
            sent += 1
        except OSError:   # SMTP down: keep the row (listed in the app), mail it on a later try
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
