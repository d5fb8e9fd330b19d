"""`make run` on other ports: ANVIL_PORT alone moves the dev chain (scripts/devchain.py) and
what the web and the workers connect to (CHAIN_RPC_URL); WEB_PORT moves the web server
(Procfile) and the links in e-mails the workers send. README, "Ports"."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dev_settings(monkeypatch):
    """The development profile as `make run` would evaluate it with these variables."""
    def evaluate(**env: str) -> tuple[str, str]:
        for name in ("ANVIL_PORT", "WEB_PORT", "CHAIN_RPC_URL", "ISSUANCE_SITE_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        values = runpy.run_module("config.settings.dev")
        return values["CHAIN_RPC_URL"], values["ISSUANCE_SITE_URL"]

    return evaluate


def test_anvil_port_alone_moves_the_chain_url_and_web_port_the_e_mail_links(dev_settings):
    assert dev_settings(ANVIL_PORT="18999", WEB_PORT="8123") == ("http://127.0.0.1:18999", "http://127.0.0.1:8123")


def test_an_explicit_chain_url_still_wins_and_the_defaults_are_the_documented_ports(dev_settings):
    assert dev_settings(ANVIL_PORT="18999", CHAIN_RPC_URL="http://node.invalid:1")[0] == "http://node.invalid:1"
    assert dev_settings() == ("http://127.0.0.1:8545", "http://127.0.0.1:8000")


def test_the_procfile_and_the_dev_chain_read_the_same_variables():
    assert "${WEB_PORT:-8000}" in (ROOT / "Procfile").read_text()
    assert 'os.environ.get("ANVIL_PORT"' in (ROOT / "scripts" / "devchain.py").read_text()
