"""Sending deliveries: one attempt at a time, each logged as a WebhookAttempt.

A sender first claims the delivery (a conditional UPDATE sets a lease, `claimed_until`), so the
retry task, the periodic sweep and a replay by hand never send it at the same moment. It then
checks the target again (webhooks.targets: a name that now resolves to a private address is
refused, and nothing is sent), connects to the checked address itself (TLS still verifies the
host name), never follows a redirect, gives up after short timeouts and keeps at most
WEBHOOK_RESPONSE_EXCERPT_BYTES of the answer. A 2xx answer delivers; anything else is a failed
attempt, retried after WEBHOOK_RETRY_DELAYS[n] seconds until the list runs out (then `failed`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from investors.fields import decrypt

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .signing import event_body, headers_for
from .targets import Target, TargetRefused, target_check

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    sent: bool                          # an attempt was made (False: not due, or claimed elsewhere)
    succeeded: bool = False
    retry_at: dt.datetime | None = None


def retry_delays() -> list[float]:
    return [float(d) for d in getattr(settings, "WEBHOOK_RETRY_DELAYS", [])]


def _budget() -> float:
    return float(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS) + float(settings.WEBHOOK_READ_TIMEOUT_SECONDS)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=_budget() + 30)


# --- the HTTP request ----------------------------------------------------------------------------

def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(connect=float(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS),
                              read=float(settings.WEBHOOK_READ_TIMEOUT_SECONDS))
    if target.scheme == "https":
        # the connection goes to the checked address; TLS checks the certificate against the name
        return urllib3.HTTPSConnectionPool(
            target.address, target.port, timeout=timeout, retries=False, maxsize=1, server_hostname=target.host,
            assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
            ca_certs=getattr(settings, "WEBHOOK_CA_BUNDLE", None) or None)
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def error_text(code: str) -> str:
    """The attempt log's error code (WebhookAttempt.error) in the reader's language."""
    kind, _sep, detail = code.partition(":")
    texts = {
        "http_status": _("The receiver answered %(detail)s."),
        "redirect": _("Redirect not followed (%(detail)s)."),
        "timeout": _("No answer within the time limit."),
        "connection_failed": _("Could not connect (%(detail)s)."),
        "target_refused": _("Not sent: the URL now points to a private, loopback or reserved address."),
        "target_unresolvable": _("Not sent: the host of the URL cannot be resolved."),
        "target_invalid": _("Not sent: the URL is not acceptable."),
    }
    text = texts.get(kind)
    return text % {"detail": detail} if text else code


def _excerpt(response, cap: int, *, deadline: float) -> bytes:
    """At most `cap` bytes of the answer, read in small pieces until the time budget is spent (a
    receiver dripping its body a byte at a time cannot hold the sender for long: each read waits
    at most the read timeout, and no read starts after the deadline)."""
    chunks, size = [], 0
    while size < cap and time.monotonic() < deadline:
        chunk = response.read1(min(256, cap - size))   # what has arrived, one read at most
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def http_post(target: Target, headers: dict[str, str], body: bytes) -> Result:
    """POST body to the checked address; never raises for a network failure (it is the Result,
    whose error is a code: http_status:<n>, redirect:<n>, timeout, connection_failed:<kind>)."""
    started = time.monotonic()
    cap = int(settings.WEBHOOK_RESPONSE_EXCERPT_BYTES)
    pool = _pool(target)
    try:
        response = pool.urlopen("POST", target.path, body=body, headers={**headers, "Host": _host_header(target)},
                                redirect=False, retries=False, preload_content=False, assert_same_host=False)
        try:
            excerpt = _text(_excerpt(response, cap, deadline=started + _budget()))
        finally:
            response.release_conn()
            response.close()
        error = ""
        if 300 <= response.status < 400:
            error = f"redirect:{response.status}"
        elif not 200 <= response.status < 300:
            error = f"http_status:{response.status}"
        return Result(response.status, error, excerpt, int((time.monotonic() - started) * 1000))
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        error = "timeout"
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        error = f"connection_failed:{type(exc).__name__}"
    finally:
        pool.close()
    return Result(None, error, "", int((time.monotonic() - started) * 1000))


def _send(delivery: WebhookDelivery, *, now: dt.datetime) -> Result:
    endpoint, event = delivery.endpoint, delivery.event
    body = event_body(event)
    try:
        target = target_check(endpoint.url)
    except TargetRefused as refused:
        kind = {"private": "target_refused", "unresolvable": "target_unresolvable"}.get(refused.reason,
                                                                                      "target_invalid")
        return Result(None, kind, "", 0)
    in_use = [decrypt(endpoint.secret_encrypted)]
    if (endpoint.previous_secret_encrypted and endpoint.previous_secret_expires_at is not None
            and endpoint.previous_secret_expires_at > now):
        in_use.append(decrypt(endpoint.previous_secret_encrypted))
    headers = headers_for(event, delivery_id=delivery.pk, secrets_in_use=in_use, timestamp=int(now.timestamp()),
                          body=body)
    return http_post(target, headers, body)


# --- claiming and recording ----------------------------------------------------------------------

def _free(now: dt.datetime) -> Q:
    """No sender holds the delivery (no lease, or an expired one)."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _claim(pk: int, *, now: dt.datetime, due_only: bool) -> WebhookDelivery | None:
    """Take the lease on a delivery whose endpoint is active; None when it is not free (or not
    due, for an automatic attempt)."""
    rows = WebhookDelivery.objects.filter(_free(now), pk=pk, endpoint__status=WebhookEndpoint.Status.ACTIVE)
    if due_only:
        rows = rows.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
    if not rows.update(claimed_until=now + _lease()):
        return None
    return WebhookDelivery.objects.select_related("endpoint", "event").get(pk=pk)


def _send_claimed(delivery: WebhookDelivery, *, now: dt.datetime) -> Result:
    """_send under the caller's lease; the lease is given back if sending raises."""
    try:
        return _send(delivery, now=now)
    except Exception:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=None)
        raise


def _record(delivery: WebhookDelivery, result: Result, *, started: dt.datetime, manual: bool,
            actor=None) -> tuple[WebhookDelivery, WebhookAttempt]:
    """Inside a transaction: the attempt row and the delivery's new state (a retry is due its
    delay after this attempt ended)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    number = (delivery.attempt_rows.aggregate(n=Max("number"))["n"] or 0) + 1
    attempt = WebhookAttempt.objects.create(
        delivery=delivery, number=number, started_at=started, duration_ms=result.duration_ms,
        status_code=result.status_code, succeeded=result.succeeded, error=result.error[:500],
        response_excerpt=result.excerpt, manual=manual, actor=actor if manual else None)
    changes: dict = {"claimed_until": None, "last_status_code": result.status_code, "last_error": result.error[:500]}
    attempts = delivery.attempts + (0 if manual else 1)
    if not manual:
        changes["attempts"] = F("attempts") + 1
    if result.succeeded:
        changes.update(status=WebhookDelivery.Status.SUCCEEDED, next_attempt_at=None,
                       delivered_at=delivery.delivered_at or timezone.now())
    elif not manual:
        delays = retry_delays()
        if attempts <= len(delays):
            changes["next_attempt_at"] = timezone.now() + dt.timedelta(seconds=delays[attempts - 1])
        else:
            changes.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)
    delivery.refresh_from_db()
    return delivery, attempt


def delivery_send(pk: int, *, now: dt.datetime | None = None) -> Outcome:
    """One automatic attempt at delivery `pk` if it is due and free. The retry, if any, is
    scheduled in the row (next_attempt_at); the caller may also ask a worker to run it then."""
    now = now or timezone.now()
    delivery = _claim(pk, now=now, due_only=True)
    if delivery is None:
        return Outcome(pk, sent=False)
    started = timezone.now()
    result = _send_claimed(delivery, now=now)
    try:
        with transaction.atomic():
            delivery, _attempt = _record(delivery, result, started=started, manual=False)
    except WebhookDelivery.DoesNotExist:   # the endpoint was deleted while we sent: nothing to record
        return Outcome(pk, sent=True, succeeded=result.succeeded)
    return Outcome(pk, sent=True, succeeded=result.succeeded,
                   retry_at=delivery.next_attempt_at if delivery.status == WebhookDelivery.Status.PENDING else None)


def due_ids(*, now: dt.datetime, limit: int | None = None) -> list[int]:
    rows = (WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
                                           endpoint__status=WebhookEndpoint.Status.ACTIVE)
            .filter(_free(now))
            .order_by("next_attempt_at", "id").values_list("id", flat=True))
    return list(rows[:limit] if limit else rows)


def deliver_due(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Send every due delivery once (the periodic sweep, and tests). Returns attempts made."""
    now = now or timezone.now()
    return sum(1 for pk in due_ids(now=now, limit=limit) if delivery_send(pk, now=now).sent)


def replay_attempt(delivery: WebhookDelivery, *, actor, now: dt.datetime | None = None,
                   audit=None) -> WebhookAttempt:
    """A replay by hand: one attempt now, whatever the delivery's state, with the same event id
    and body; logged as a manual attempt of `actor`. It does not use up an automatic retry. A
    failed replay leaves the delivery's state (and schedule) as it was. `audit(delivery,
    attempt)` runs in the transaction that records the attempt."""
    now = now or timezone.now()
    claimed = _claim(delivery.pk, now=now, due_only=False)
    if claimed is None:
        if WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, status=WebhookEndpoint.Status.ACTIVE).exists():
            raise ConflictError(_("This delivery is being sent right now; try again in a moment."),
                                code="delivery_in_progress")
        raise ConflictError(_("The endpoint is disabled: enable it before replaying."), code="endpoint_disabled")
    started = timezone.now()
    result = _send_claimed(claimed, now=now)
    with transaction.atomic():
        claimed, attempt = _record(claimed, result, started=started, manual=True, actor=actor)
        if audit is not None:
            audit(claimed, attempt)
    return attempt
