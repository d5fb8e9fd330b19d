"""The viewer's notifications: a paged list, newest first; opening one marks it read and
goes to its link; "mark all read". Writes are POST (with CSRF)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .kinds import text_for

PAGE_SIZE = 25


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notifications_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for notification in page.object_list:
        subject, body = text_for(notification.kind, notification.params)
        rows.append({"n": notification, "subject": subject, "body": body})
    return render(request, "notifications/list.html", {"page": page, "rows": rows})


@login_required
@require_POST
def notification_open(request, pk: int):
    notification = services.notification_open(pk=pk, actor=request.user)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}) and link.startswith("/"):
        return redirect(link)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all(request):
    services.notifications_read_all(actor=request.user)
    return redirect("notifications:list")
