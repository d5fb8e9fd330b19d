"""Each role's main pages, in Japanese, in Chromium: axe-core (npm, node_modules/axe-core) finds
no serious or critical violation, and nothing scrolls sideways on a 1280 px screen or a 390 px
phone (issue 15). The personas sign in through the test client (2FA passed) and the browser
takes their session cookie, so the test spends its time on the pages, not on sign-in forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from conftest import force_login_verified
from tests.i18n.world import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
BLOCKING = {"serious", "critical"}


@pytest.fixture
def world(request, settings, tmp_path):
    return make_world(request, settings, tmp_path)


def _pages(w: dict) -> dict[str, list[str]]:
    """The main pages of each role (persona fixture name; "" is the anonymous visitor)."""
    offering, review = w["offering"].pk, w["review"].pk
    return {
        "": ["/", reverse("accounts:login")],
        "verified_investor": [reverse("accounts:dashboard"), reverse("issuance:market-offering", args=[offering]),
                              reverse("ledger:holdings")],
        "unverified_investor": [reverse("accounts:dashboard")],
        "issuer_admin": [reverse("accounts:dashboard"), reverse("issuance:security-create"),
                         reverse("issuance:offering", args=[offering])],
        "compliance_officer": [reverse("accounts:dashboard"), reverse("compliance:queue"),
                               reverse("compliance:review", args=[review])],
        "operator": [reverse("accounts:dashboard"), reverse("chain:mirror")],
        "cash_agent": [reverse("cash:desk")],
    }


def _session_cookie(request, persona: str) -> str | None:
    if not persona:
        return None
    client = force_login_verified(Client(), request.getfixturevalue(persona))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _overflow(page) -> list[str]:
    """Header links broken across lines, and what sticks out to the right of the viewport
    (empty when every link is on one line and nothing scrolls sideways)."""
    return page.evaluate("""() => {
        const root = document.documentElement;
        const broken = [...document.querySelectorAll('body > header nav a, body > header nav button')]
            .filter(el => { const r = document.createRange(); r.selectNodeContents(el);
                            return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1; })
            .map(el => `link broken across lines: ${el.textContent.trim()}`);
        if (root.scrollWidth <= root.clientWidth) return broken;
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > root.clientWidth + 1 && r.width > 0) {
                out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} right=${r.right}`);
            }
        }
        return [...broken, `scrollWidth ${root.scrollWidth} > ${root.clientWidth}`, ...out.slice(0, 8)];
    }""")


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in BLOCKING]


def test_main_pages_of_each_role_pass_axe_and_fit_the_screen(request, live_server, browser, world):
    assert AXE.exists(), "npm ci installs axe-core (package.json devDependencies)"
    problems = []
    for persona, paths in _pages(world).items():
        context = browser.new_context(locale="ja-JP", viewport={"width": WIDTHS[0], "height": 900})
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ja", "url": live_server.url}]
        session = _session_cookie(request, persona)
        if session:
            cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url})
        context.add_cookies(cookies)
        page = context.new_page()
        page.set_default_timeout(15_000)
        for path in paths:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(f"{live_server.url}{path}")
            assert response.status < 500, f"{persona} {path}: {response.status}"
            where = f"{persona or 'anonymous'} {path}"
            problems += [f"{where}: {v}" for v in _violations(page)]
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                problems += [f"{where} at {width} px: {o}" for o in _overflow(page)]
        context.close()
    assert not problems, "\n".join(problems)
    _assert_the_checks_can_fail(live_server, browser)  # here, not in a test of its own: one live server, one flush


def _assert_the_checks_can_fail(live_server, browser) -> None:
    """An image without a text alternative is a critical violation; a header link whose words
    wrap is reported, and so is a page wider than the screen."""
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="/x.png"><div style="width:800px">x</div>');
        document.querySelector('body > header nav ul:last-child').insertAdjacentHTML('beforeend',
            '<li style="width:3em;white-space:normal;word-break:normal"><a href="#">募集中の案件を見る</a></li>');
    }""")
    assert any(v.startswith("image-alt (critical)") for v in _violations(page))
    found = _overflow(page)
    assert any(f.startswith("link broken across lines") for f in found)
    assert any(f.startswith("scrollWidth") for f in found), found
    page.close()
