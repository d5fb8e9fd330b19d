"""The production-like stack description and the settings profiles hold together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _compose_config(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT, check=False,
    )


def test_docker_compose_file_validates_and_has_health_checks():
    result = _compose_config({"SECRET_KEY": "s", "POSTGRES_PASSWORD": "p", "CHAIN_SIGNER_KEY": "0x01",
                              "FIELD_ENCRYPTION_KEYS": "k", "POSTGRES_REPLICATION_PASSWORD": "r"})
    assert result.returncode == 0, result.stderr
    config = result.stdout
    for service in ("postgres:", "redis:", "anvil:", "web:", "worker:", "beat:"):
        assert f"  {service}" in config
    assert config.count("healthcheck:") >= 5
    assert "gunicorn" in config


def test_docker_compose_refuses_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "POSTGRES_PASSWORD")}
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr or "POSTGRES_PASSWORD" in result.stderr


def _load_settings(module: str, env: dict) -> subprocess.CompletedProcess:
    code = "import django, json; from django.conf import settings; django.setup(); " \
           "print(json.dumps({'debug': settings.DEBUG, 'secure': settings.SESSION_COOKIE_SECURE}))"
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False,
                          env={**clean, "DJANGO_SETTINGS_MODULE": module, **env})


def test_production_profile_fails_loudly_without_a_secret_key():
    result = _load_settings("config.settings.production", {})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_profile_is_safe_by_default():
    from cryptography.fernet import Fernet

    result = _load_settings("config.settings.production",
                            {"SECRET_KEY": "k" * 50, "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"debug": False, "secure": True}


def test_procfile_runs_web_worker_and_beat():
    names = {line.split(":", 1)[0] for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()}
    assert {"web", "worker", "beat"} <= names
