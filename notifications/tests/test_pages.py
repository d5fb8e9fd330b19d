"""The list page: only the viewer's rows, newest first, paged; opening one marks it read and
goes to its link; "mark all read" is a POST; another person's row is a 404."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


def _notify(user, event, **kwargs):
    with transaction.atomic():
        notify(event=event, recipients=[user], kind=kwargs.pop("kind", Kind.KYC_MORE_INFO),
               params={"reason": event}, link="/investors/", **kwargs)


def test_list_shows_only_the_viewers_notifications_newest_first(client, verified_investor, outsider):
    _notify(verified_investor, "first")
    _notify(verified_investor, "second")
    _notify(outsider, "not-yours")
    client.force_login(verified_investor)
    page = client.get(reverse("notifications:list")).content.decode()
    assert page.index("second") < page.index("first")
    assert "not-yours" not in page
    assert 'data-testid="notifications-link">Notifications (2)' in page   # the header's unread count


def test_opening_marks_read_and_goes_to_the_link(client, verified_investor):
    _notify(verified_investor, "one")
    row = Notification.objects.get()
    client.force_login(verified_investor)
    response = client.post(reverse("notifications:open", args=[row.pk]))
    assert response.status_code == 302 and response["Location"] == "/investors/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_another_person_cannot_open_or_see_a_notification(client, verified_investor, outsider):
    _notify(verified_investor, "private")
    row = Notification.objects.get()
    client.force_login(outsider)
    assert client.post(reverse("notifications:open", args=[row.pk])).status_code == 404
    assert client.post(reverse("notifications:read-all")).status_code == 302
    row.refresh_from_db()
    assert row.read_at is None
    assert "private" not in client.get(reverse("notifications:list")).content.decode()


def test_open_is_post_only_and_needs_a_signed_in_person(client, verified_investor):
    _notify(verified_investor, "one")
    row = Notification.objects.get()
    assert client.post(reverse("notifications:open", args=[row.pk])).status_code == 302   # to sign-in
    client.force_login(verified_investor)
    assert client.get(reverse("notifications:open", args=[row.pk])).status_code == 405
    assert client.get(reverse("notifications:read-all")).status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read(client, verified_investor):
    _notify(verified_investor, "one")
    _notify(verified_investor, "two")
    client.force_login(verified_investor)
    client.post(reverse("notifications:read-all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'data-testid="notifications-link">Notifications<' in page


def test_pages_and_a_bad_page_number(client, verified_investor):
    for i in range(26):
        _notify(verified_investor, f"event-{i:02d}")
    client.force_login(verified_investor)
    assert "event-00" in client.get(reverse("notifications:list") + "?page=2").content.decode()
    assert client.get(reverse("notifications:list") + "?page=zzz").status_code == 200


def test_list_in_japanese(client, verified_investor):
    _notify(verified_investor, "one")
    client.cookies["django_language"] = "ja"
    client.force_login(verified_investor)
    page = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "すべて既読にする" in page and "本人確認のため追加情報が必要です" in page
