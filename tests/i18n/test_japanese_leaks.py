"""No English on a Japanese page (issue 15).

Each role (and an anonymous visitor) signs in with Japanese chosen, then crawls every same-origin
GET link reachable from its dashboard and the header (anchors and htmx `hx-get` fragments), plus
the error pages (404, 403) and a form sent back with errors. Each HTML page is parsed; the visible
text and the `title`, `placeholder`, `aria-label` and `alt` attributes must hold no run of two or
more Latin-letter words, apart from the allow-list below: what people typed (names, addresses,
titles, reasons: the DATA_FIELDS of the world's rows), e-mail addresses, URLs, hashes and codes.

A leak found here is a string never marked for translation, or marked but missing from the
app's catalog: mark it, translate it, and this test goes green.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from conftest import force_login_verified

#: Roles and their personas (conftest.py); "" is the anonymous visitor.
PERSONAS = ["", "issuer_admin", "issuer_member", "compliance_officer", "operator", "cash_agent",
            "verified_investor", "unverified_investor"]

#: What people typed, shown back as typed: never translated (the allow-list's names and titles).
DATA_FIELDS = {
    "accounts.User": ["full_name", "email"],
    "accounts.Organization": ["name"],
    "issuance.Issuer": ["legal_name", "address", "representatives"],
    "issuance.Security": ["name"],
    "issuance.Offering": ["title", "payment_instructions"],
    "investors.InvestorProfile": ["legal_name", "address", "status_basis"],
}
#: Fixed words that are names or codes, not sentences (brands, standards, units of a code).
ALLOWED = [
    "Google Authenticator", "Microsoft Authenticator", "Reg D", "Reg S", "Reg CF", "Reg A",
    "ACT/ACT ICMA",       # a day-count convention's market name (issuance/schedule.py DAY_COUNTS)
    "Authenticator app",  # the TOTP device's name as the persona factory stored it (data)
    "Court order",        # a forced transfer's reason as the officer typed it (data)
    "Boris Examplov",     # a sanctions list entry's name (data)
]
#: Never crawled: side effects, files, the admin and the API (JSON, not a person's page).
SKIP = re.compile(r"^/(admin|api|static|media|i18n)/|logout|download|/documents?/\d+/?$|\.(pdf|csv|json|txt)$")
NOT_TEXT = {"script", "style", "code", "kbd", "samp", "pre", "svg", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
WORD = r"[A-Za-z][A-Za-z'’]*"
RUN = re.compile(rf"{WORD}(?:[ \t\r\n]*[,:;&/]?[ \t\r\n]+{WORD})+")
NOISE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|0x[0-9a-fA-F]+|\b[0-9a-f]{16,}\b")
MAX_PAGES_PER_ROLE = 120


class _Page(HTMLParser):
    """The visible text, the attributes people read, and the same-origin links of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in NOT_TEXT and tag not in VOID:
            self._hidden.append(tag)
        for name in ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.texts.append(attrs["value"])
        for name in ("href", "hx-get"):
            if tag in {"a", "div", "span", "section", "tbody", "tr", "td", "article", "button"} and attrs.get(name):
                self.links.append(attrs[name])

    def handle_endtag(self, tag):
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def _data_values() -> list[str]:
    values: set[str] = set()
    for label, fields in DATA_FIELDS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        for row in model.objects.values_list(*fields):
            values.update(str(v) for v in row if v)
    return sorted(values | set(ALLOWED), key=len, reverse=True)


def leaks_in(texts: list[str], allowed: list[str]) -> list[str]:
    """The runs of two or more Latin-letter words in `texts`, once the allowed strings, e-mail
    addresses, URLs and hex strings are taken out."""
    found = []
    for text in texts:
        for value in allowed:
            if value in text:
                text = text.replace(value, " ")
        text = NOISE.sub(" ", text)
        found += [" ".join(m.group(0).split()) for m in RUN.finditer(text)]
    return found


def _client(request, persona: str) -> Client:
    client = Client(raise_request_exception=False)  # a server error is reported with the leaks, the crawl goes on
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    return force_login_verified(client, request.getfixturevalue(persona)) if persona else client


def _shape(path: str) -> str:
    """One page per kind of address: /issuance/offerings/12/ and /13/ are the same template."""
    return re.sub(r"/\d+(?=/|$)", "/N", path)


def _crawl(client: Client, starts: list[str], allowed: list[str]) -> tuple[dict[str, list[str]], int]:
    leaks: dict[str, list[str]] = {}
    queue, seen = deque(starts), {_shape(s) for s in starts}
    visited = 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        response = client.get(url, follow=True)
        visited += 1
        if response.status_code >= 500:
            leaks[url] = [f"server error {response.status_code}"]
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        found = leaks_in(page.texts, allowed)
        if found:
            leaks[url] = sorted(set(found))
        base = response.request["PATH_INFO"]
        for link in page.links:
            parts = urlsplit(urljoin(base, link))
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIP.search(parts.path) or _shape(target) in seen:
                continue
            seen.add(_shape(target))
            queue.append(target)
    return leaks, visited


def _error_pages(persona: str) -> list[str]:
    """404 for everyone; 403 for an investor at the compliance desk (forms with errors: the test below)."""
    pages = ["/no-such-page/", "/issuance/offerings/999999/"]
    if persona in {"verified_investor", "unverified_investor"}:
        pages.append(reverse("compliance:queue"))
    return pages


@pytest.mark.django_db
def test_no_english_on_japanese_pages(request, world):
    allowed = _data_values()
    report, visited = [], {}
    for persona in PERSONAS:
        client = _client(request, persona)
        starts = ["/", reverse("accounts:dashboard") if persona else reverse("accounts:login"),
                  *_error_pages(persona)]
        if not persona:
            starts += [reverse("accounts:signup"), reverse("accounts:password-reset")]
        leaks, visited[persona] = _crawl(client, starts, allowed)
        report += [f"{persona or 'anonymous'} {url}: {found}" for url, found in leaks.items()]
    assert not report, "English on Japanese pages:\n" + "\n".join(report)
    assert min(visited.values()) >= 5 and sum(visited.values()) >= 80, visited  # the crawl reached the pages


@pytest.mark.django_db
def test_a_form_sent_back_with_errors_is_japanese(request, client, world):
    """Sign-in, sign-up, and an issuer's new security and offering forms with wrong values: every
    error message is Japanese (the forms' own and the services' validation messages)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    issuer = _client(request, "issuer_admin")
    wrong = {"price": "-5", "target_units": "1.5", "min_units": "abc", "max_units": "x", "opens_on": "2026-02-30",
             "closes_on": "x", "currency": "XXX", "title": ""}
    pages = [
        client.post(reverse("accounts:login"), {"email": "nobody@example.test", "password": "x"}),
        client.post(reverse("accounts:signup"), {"email": "not-an-email", "password1": "a", "password2": "b"}),
        issuer.post(reverse("issuance:security-create"), {"kind": "bond", "name": "", "symbol": "!!", "decimals": "-5",
                                                          "face_value": "1.5.5", "coupon_rate": "-5"}),
        issuer.post(reverse("issuance:offering-create", args=[world["bond"].pk]), wrong),
    ]
    for response in pages:
        assert response.status_code == 400  # the form again, with its errors
        page = _Page()
        page.feed(response.content.decode())
        assert "<html lang=\"ja\">" in response.content.decode()
        assert not leaks_in(page.texts, _data_values()), response.request["PATH_INFO"]


def test_the_leak_finder_finds_english_and_spares_names_and_codes():
    assert leaks_in(["Submit your application"], []) == ["Submit your application"]
    assert leaks_in(["<b>", "Total raised: 10 JPY"], []) == ["Total raised"]
    assert leaks_in(["発行体: Sakura Robotics K.K."], ["Sakura Robotics K.K."]) == []
    assert leaks_in(["officer@shoken.test でサインイン中", "ERC-3643", "JPY", "0xAbCdEf0123456789"], []) == []
    assert leaks_in(["https://explorer.test/tx/0xabc 取引"], []) == []
