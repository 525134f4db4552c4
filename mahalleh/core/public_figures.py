"""Public indicator figures of a province or an office, for the public portal.

The portal (mahalleh.stories) shows whatever the registered providers return; it computes nothing
itself. A provider is registered once, from its app's ``AppConfig.ready()``::

    from mahalleh.core import public_figures
    public_figures.register(my_provider)

``my_provider(kind="province" | "office", place=<Province or Office>, lang="fa" | "en")`` returns a
list of ``PublicFigure``. Suppression of small counts (DESIGN §8: counts under 5, with complementary
suppression) is the provider's job: a suppressed figure has ``value=None``, and the portal shows it
as suppressed, never as a number. With no provider registered the portal shows no figures section.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PublicFigure:
    label: str  # translated, e.g. "Children in school"
    value: str | None  # formatted for display ("۱۲۳", "۴۵٪"); None when suppressed
    period: str = ""  # e.g. "پاییز ۱۴۰۴"
    note: str = ""


_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def unregister(provider: Callable) -> None:
    if provider in _providers:
        _providers.remove(provider)


def available() -> bool:
    return bool(_providers)


def figures_for(*, kind: str, place, lang: str) -> list[PublicFigure]:
    out: list[PublicFigure] = []
    for provider in _providers:
        out.extend(provider(kind=kind, place=place, lang=lang))
    return out
