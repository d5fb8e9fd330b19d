"""The policy table itself: sound, rendered into docs/security.md as the code renders it, and
naming services that exist. (tests/test_policy_matrix.py checks the services obey it.)"""

from __future__ import annotations

import importlib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.policy import (
    POLICY,
    POLICY_DOC,
    TWO_FACTOR_ACTORS,
    Action,
    Actor,
    Rule,
    Scope,
    actor_kind,
    policy_markdown,
    policy_problems,
    readme_section,
    readme_with_table,
)


def test_the_table_is_sound():
    assert policy_problems() == []


def test_money_steps_are_not_granted_to_members():
    money = [Action.SUBSCRIPTION_FUND, Action.SUBSCRIPTION_ACCEPT, Action.SUBSCRIPTION_SETTLE, Action.TOKENS_ISSUE,
             Action.TOKENS_REDEEM, Action.TOKENS_TRANSFER, Action.TOKENS_FREEZE, Action.SECURITY_PAUSE]
    for action in money:
        assert POLICY[action].two_factor and Actor.ISSUER_MEMBER not in POLICY[action].actors, action


def test_a_two_factor_step_granted_to_members_is_reported(monkeypatch):
    loose = Rule(frozenset({Actor.ISSUER_ADMIN, Actor.ISSUER_MEMBER}), Scope.ISSUER, True, ("x.y",))
    monkeypatch.setitem(POLICY, Action.SUBSCRIPTION_SETTLE, loose)
    assert policy_problems() == [
        "subscription.settle: needs 2FA but is granted to issuer_member, who sign in without it"]
    assert Actor.ISSUER_MEMBER not in TWO_FACTOR_ACTORS


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_every_named_service_exists(action):
    for name in POLICY[action].services:
        module, function = name.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), function)), name


def test_the_docs_show_the_table_the_code_enforces():
    readme = (Path(settings.BASE_DIR) / POLICY_DOC).read_text(encoding="utf-8")
    assert readme_section(readme) == policy_markdown(), "run: manage.py policy_table --write"


def test_the_command_prints_and_writes_the_table(tmp_path, settings):
    out = StringIO()
    call_command("policy_table", stdout=out)
    assert out.getvalue() == policy_markdown()
    assert "| `subscription.settle` | yes | - | - | - | - | - | required |" in out.getvalue()
    stale = "# Title\n\n<!-- policy:start -->\nold\n<!-- policy:end -->\n\nrest\n"
    assert readme_section(readme_with_table(stale)) == policy_markdown()
    assert readme_with_table(stale).endswith("<!-- policy:end -->\n\nrest\n")


@pytest.mark.parametrize(("persona", "kind"), [
    ("issuer_admin", Actor.ISSUER_ADMIN), ("issuer_member", Actor.ISSUER_MEMBER),
    ("compliance_officer", Actor.COMPLIANCE), ("operator", Actor.OPERATOR), ("verified_investor", Actor.INVESTOR)])
def test_the_two_factor_kinds_are_the_people_who_must_pass_totp(persona, kind, request, issuer_org):
    """TWO_FACTOR_ACTORS and User.requires_two_factor name the same people: a step marked
    2FA in the table is then only ever taken by someone who passed TOTP to sign in."""
    user = request.getfixturevalue(persona)
    assert actor_kind(user, organization_id=issuer_org.pk) == kind
    assert user.requires_two_factor == (kind in TWO_FACTOR_ACTORS)
