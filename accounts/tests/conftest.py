"""Fixtures for the accounts stories (the personas live in the project's conftest.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.fixture
def sign_in(client, password):  # noqa: ANN001
    """Post the sign-in form as `user` (password only: no 2FA step)."""

    def _sign_in(user, *, with_password: str | None = None, next_url: str | None = None):  # noqa: ANN001, ANN202
        url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
        return client.post(url, {"email": user.email, "password": with_password or password})

    return _sign_in
