"""Helpers for the accounts stories (the personas live in the project's conftest.py)."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP


def wrong_totp(device) -> str:  # noqa: ANN001
    """A six-digit code that is certainly not valid for `device` around now (a fixed
    'wrong' code would match the real one once in a while)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    near = set()
    for offset in range(-3, 4):
        totp.time = now + offset * device.step
        near.add(f"{totp.token():0{device.digits}d}")
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in near)


def dashboard_title(response) -> str:  # noqa: ANN001
    match = re.search(r'data-testid="dashboard-title">([^<]*)<', response.content.decode())
    assert match, "not a dashboard page"
    return match.group(1).strip()


@pytest.fixture
def sign_in(client, password):  # noqa: ANN001
    """Post the sign-in form as `user` (password only: no 2FA step)."""

    def _sign_in(user, *, with_password: str | None = None, next_url: str | None = None):  # noqa: ANN001, ANN202
        url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
        return client.post(url, {"email": user.email, "password": with_password or password})

    return _sign_in
