"""Where a webhook may be sent (no server-side request forgery).

settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS (False by default and in production; True in dev and
test, whose receivers run on 127.0.0.1): when False, the URL must be https and EVERY address its
host resolves to must be public: no loopback, private, link-local, shared (CGNAT 100.64/10),
multicast, reserved or unspecified address, and no IPv6 form that carries one (IPv4-mapped
::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16). Hosts are resolved by the system resolver,
so every spelling of an address (2130706433, 0x7f.1, 017700000001) is judged by what it means.

The check runs at registration AND before each delivery, and the delivery connects to the
address that was checked (webhooks.delivery), never resolving the name a second time: a name
that answers with a public address at registration and a private one later (DNS rebinding) is
refused at delivery. URLs with credentials (user:pass@) or a fragment are refused.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApplicationError

URL_MAX = 2000
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(ApplicationError):
    """A URL the platform will not send to (400 `invalid_url` or `target_refused`)."""

    default_code = "target_refused"
    reason = "invalid_url"


@dataclass(frozen=True)
class Target:
    scheme: str          # "http" or "https"
    host: str            # as written (the TLS server name and the Host header)
    port: int
    path: str            # path and query, as written
    address: str         # the checked IP address the connection goes to


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (the one place names are resolved;
    tests stand a resolver of their own in here to play DNS rebinding)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (see the module docstring)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return is_public(str(inner))
        if ip.is_site_local:
            return False
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def _invalid(message: str) -> TargetRefused:
    error = TargetRefused(message, code="invalid_url", fields={"url": [message]})
    error.reason = "invalid_url"
    return error


def _refused(message: str, reason: str) -> TargetRefused:
    error = TargetRefused(message, code="target_refused", fields={"url": [message]})
    error.reason = reason   # "unresolvable" or "private" (the attempt log's code)
    return error


def url_checked(url: object) -> str:
    """The URL, stripped, if its form is acceptable (scheme, host, no credentials, no fragment);
    else 400 `invalid_url` with fields.url. Addresses are not looked at here (target_check)."""
    if not isinstance(url, str) or not url.strip():
        raise _invalid(_("Enter the URL of your endpoint."))
    url = url.strip()
    if len(url) > URL_MAX or any(c.isspace() or ord(c) < 0x20 for c in url):
        raise _invalid(_("Enter a valid URL (at most %(n)s characters, no spaces).") % {"n": URL_MAX})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _invalid(_("Enter a valid URL.")) from None
    schemes = ("http", "https") if allow_private() else ("https",)
    if parts.scheme not in schemes:
        raise _invalid(_("The URL must start with https://.") if not allow_private()
                       else _("The URL must start with https:// or http://."))
    if not parts.hostname:
        raise _invalid(_("The URL must name a host."))
    if parts.username is not None or parts.password is not None:
        raise _invalid(_("The URL must not carry a user name or password."))
    if parts.fragment or url.endswith("#"):
        raise _invalid(_("The URL must not have a fragment (#...)."))
    if port == 0:
        raise _invalid(_("Enter a valid URL."))
    if not parts.hostname.isascii():   # an internationalized name is stored and sent in its ASCII form
        try:
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise _invalid(_("Enter a valid URL.")) from None
        url = urlunsplit(parts._replace(netloc=host if port is None else f"{host}:{port}"))
    return url


def target_check(url: str) -> Target:
    """Resolve the URL's host and check every address (see the module docstring). Returns
    the target with the address to connect to; refuses with 400 `target_refused`."""
    url = url_checked(url)
    parts = urlsplit(url)
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise _refused(_("The host of this URL cannot be resolved."), "unresolvable") from None
    if not addresses:
        raise _refused(_("The host of this URL cannot be resolved."), "unresolvable")
    if not allow_private() and not all(is_public(address) for address in addresses):
        raise _refused(_("This URL points to a private, loopback or reserved address; only public "
                         "addresses may receive webhooks."), "private")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=addresses[0])
