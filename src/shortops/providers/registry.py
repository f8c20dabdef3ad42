"""Providers by slug, found through the entry-point group `shortops.providers`.

Built-in providers are declared in pyproject.toml like any plug-in would be, so a third-party
package can add a platform by declaring `[project.entry-points."shortops.providers"]`.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import entry_points

from shortops.errors import N_, NotFound
from shortops.providers.base import Provider

GROUP = "shortops.providers"

log = logging.getLogger("shortops.providers")


class UnknownPlatform(NotFound):
    code = "unknown_platform"
    template = N_("There is no platform called {slug}. Known platforms: {known}.")


@lru_cache(maxsize=1)
def provider_classes() -> dict[str, type[Provider]]:
    """Every installed provider class by slug (loaded once per process)."""
    found: dict[str, type[Provider]] = {}
    for entry in entry_points(group=GROUP):
        try:
            cls = entry.load()
        except (ImportError, AttributeError) as exc:
            # One broken plug-in must not take every platform down with it.
            log.warning("provider %s could not be loaded: %s", entry.name, exc)
            continue
        if isinstance(cls, type) and issubclass(cls, Provider):
            found[cls.slug] = cls
    return dict(sorted(found.items()))


def provider_class(slug: str) -> type[Provider]:
    classes = provider_classes()
    if slug not in classes:
        raise UnknownPlatform(slug=slug, known=", ".join(classes))
    return classes[slug]
