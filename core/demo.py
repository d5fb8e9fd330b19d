"""Demo data loaders, registered by each app in AppConfig.ready() and run in order by
`manage.py demo_data` (what `make run` calls). Each loader must be idempotent and return
lines to print (e.g. how to sign in).

    demo.register("investors", load_demo_investors, order=20)
"""

from __future__ import annotations

from collections.abc import Callable

_loaders: dict[str, tuple[int, Callable[[], list[str]]]] = {}


def register(name: str, loader: Callable[[], list[str]], *, order: int = 50) -> None:
    _loaders[name] = (order, loader)


def loaders() -> list[tuple[str, Callable[[], list[str]]]]:
    return [(name, fn) for name, (order, fn) in sorted(_loaders.items(), key=lambda kv: (kv[1][0], kv[0]))]
