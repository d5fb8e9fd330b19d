"""`manage.py check --deploy` with the production profile is clean: no warning, nothing
silenced (SILENCED_SYSTEM_CHECKS stays empty), and drf-spectacular's own deploy check
(ENABLE_DJANGO_DEPLOY_CHECK, on by default) counts, so every schema warning fails here too."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env() -> dict[str, str]:
    """The least a production deployment sets (README, configuration), and nothing of the
    developer's shell beyond what runs Python: a stray DEBUG or SECURE_* must not decide."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgresql://shoken:secret@postgres.invalid:5432/shoken",
        "REDIS_URL": "redis://redis.invalid:6379/0",
        "ALLOWED_HOSTS": "shoken.example",
        "CSRF_TRUSTED_ORIGINS": "https://shoken.example",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CHAIN_RPC_URL": "http://chain.invalid:8545",
        "CHAIN_SIGNER_KEY": "0x" + secrets.token_hex(32),
    }


def run_check(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_check_deploy_with_production_settings_is_clean():
    result = run_check("--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert not [line for line in output.splitlines() if line.startswith("?:")], output
    assert "(0 silenced)" in output or "no issues" in output, output


def test_nothing_is_silenced_and_the_schema_check_stays_on():
    code = ("import django; from django.conf import settings; django.setup(); "
            "print(settings.SILENCED_SYSTEM_CHECKS, "
            "settings.SPECTACULAR_SETTINGS.get('ENABLE_DJANGO_DEPLOY_CHECK', True))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=production_env(), capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[] True"
