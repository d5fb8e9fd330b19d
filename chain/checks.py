"""Django system checks of the chain settings (``manage.py check``, runserver, migrate; registered
in chain/apps.py).

Signer lanes (chain/lanes.py): lane 0 deploys the shared contracts (the registry and the
Settlement contract grant their role to their deployer only) with ``CHAIN_SIGNER_KEY``, so when
``CHAIN_SIGNER_KEYS`` is set its first key must be that same key, and no key may appear twice
(two lanes on one key would hand out the same nonces twice).
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error


def _normal(key: str) -> str:
    key = key.strip().lower()
    return key[2:] if key.startswith("0x") else key


def signer_lanes_check(app_configs=None, **kwargs) -> list[Error]:
    from .lanes import lane_keys

    keys = [_normal(k) for k in lane_keys() if k]
    errors = []
    single = _normal(settings.CHAIN_SIGNER_KEY or "")
    if settings.CHAIN_SIGNER_KEYS and single and keys and keys[0] != single:
        errors.append(Error("CHAIN_SIGNER_KEYS must start with CHAIN_SIGNER_KEY (lane 0 deploys and runs the "
                            "registry and the Settlement contract).", id="chain.E001"))
    if len(set(keys)) != len(keys):
        errors.append(Error("CHAIN_SIGNER_KEYS lists a key twice (two lanes on one key would reuse nonces).",
                            id="chain.E002"))
    return errors
