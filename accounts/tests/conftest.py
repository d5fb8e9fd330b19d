"""Fixtures for the accounts stories (the personas live in the project's conftest.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory


@pytest.fixture
def sign_in(client, password):
    """Post the sign-in form as `user` (password only: no 2FA step)."""

    def _sign_in(user, *, with_password: str | None = None, next_url: str | None = None):
        url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
        return client.post(url, {"email": user.email, "password": with_password or password})

    return _sign_in


@pytest.fixture
def unaffiliated_issuer(db):
    """An issuer-role account that belongs to no organization (e.g. created by an operator,
    or left its company): it may create its company from the dashboard."""
    return UserFactory(email="founder@newco.test", role=Role.ISSUER)

