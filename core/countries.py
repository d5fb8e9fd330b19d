"""ISO 3166-1 countries (from the pycountry wheel): alpha-2 in the register and the UI,
numeric on chain (the investor registry packs a uint16)."""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .errors import ApplicationError


def choices() -> list[tuple[str, str]]:
    """[("JP", "Japan"), ...] sorted by name in the active language (the pycountry wheel ships
    the ISO 3166 names' translations: "JP" is 日本 on a Japanese page), for forms."""
    return _choices((get_language() or "en").split("-")[0])


@lru_cache(maxsize=8)
def _choices(language: str) -> list[tuple[str, str]]:
    translate = _names(language).gettext
    return sorted(((c.alpha_2, translate(c.name)) for c in pycountry.countries), key=lambda pair: pair[1])


@lru_cache(maxsize=8)
def _names(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def normalize(code: str) -> str:
    """Accept 'jp', 'JP', 'JPN' or '392'; return 'JP'. Unknown codes are refused."""
    value = (code or "").strip().upper()
    country = None
    if len(value) == 2:
        country = pycountry.countries.get(alpha_2=value)
    elif len(value) == 3 and value.isdigit():
        country = pycountry.countries.get(numeric=value)
    elif len(value) == 3:
        country = pycountry.countries.get(alpha_3=value)
    if country is None:
        raise ApplicationError(_("%(code)s is not a country code: use two letters, such as JP or US.")
                               % {"code": str(code)[:20]}, code="unknown_country")
    return country.alpha_2


def numeric(alpha_2: str) -> int:
    """'JP' -> 392, the value the on-chain registry stores."""
    return int(pycountry.countries.get(alpha_2=normalize(alpha_2)).numeric)


def name(alpha_2: str) -> str:
    """The country's name in the active language."""
    english = pycountry.countries.get(alpha_2=normalize(alpha_2)).name
    return _names((get_language() or "en").split("-")[0]).gettext(english)
