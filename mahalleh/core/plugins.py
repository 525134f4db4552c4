"""How apps add themselves to shared pages without `core` (or a lower app) importing them.

`core` is the bottom layer (import-linter keeps it so): it cannot import the registry, the
referrals or the indicators to draw the navigation, the home page or a resident's page. Instead each
app registers what it contributes in its `AppConfig.ready()`:

    from mahalleh.core import plugins

    plugins.nav_item("referrals", _("Referrals"), "referrals:list", allowed=can_refer, order=60)

    @plugins.panel("person", order=50)
    def referrals_of_person(request, *, person):
        return render_to_string("referrals/_person_panel.html", {...}, request=request)

A panel returns HTML (or None to add nothing); the page that owns the slot draws the panels in order.
Slots in use: "home" (the home page, below the greeting), "person" (a resident's page).
"""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import AppConfig
from django.urls import reverse
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object  # a lazy translation
    url: Callable[[object], str | None]  # user -> URL (None: not shown)
    allowed: Callable[[object], bool]
    order: int


@dataclass(frozen=True)
class Panel:
    name: str
    render: Callable[..., str | None]
    order: int


_NAV: dict[str, NavItem] = {}
_PROVIDERS: dict[str, dict[str, Callable]] = {}
_PANELS: dict[str, dict[str, Panel]] = {}


def nav_item(
    key, label, url, *, allowed: Callable[[object], bool], order: int = 100, variant: str = ""
) -> None:
    """Add an entry to the main navigation: `url` is a URL name or a callable taking the user.

    Entries sharing a `key` (the same place in the menu for different roles) differ by `variant`.
    """
    resolve = url if callable(url) else (lambda user, name=url: reverse(name))
    _NAV[f"{key}:{variant}"] = NavItem(key=key, label=label, url=resolve, allowed=allowed, order=order)


class PluginApp(AppConfig):
    """An app that adds itself in the one declarative shape: its navigation entries `nav`, as
    (key, label, URL name, allowed(user), order), and the `modules` of its own that register panels
    or timeline entries when imported. An app with more to do overrides `ready()` and calls it."""

    nav: tuple[tuple[str, object, str, Callable[[object], bool], int], ...] = ()
    modules: tuple[str, ...] = ()

    def ready(self):
        for key, label, url, allowed, order in self.nav:
            nav_item(key, label, url, allowed=allowed, order=order)
        for module in self.modules:
            import_module(f"{self.name}.{module}")


def nav_items(user) -> list[dict]:
    """The navigation entries this user may use, in order: {key, label, url}."""
    out = []
    for item in sorted(_NAV.values(), key=lambda i: (i.order, i.key)):
        if not item.allowed(user):
            continue
        url = item.url(user)
        if url:
            label = item.label(user) if callable(item.label) else item.label
            out.append({"key": item.key, "label": str(label), "url": url})
    return out


def panel(slot: str, *, order: int = 100):
    """Register `fn(request, **context) -> html | None` as a panel of the page slot `slot`."""

    def decorator(fn):
        _PANELS.setdefault(slot, {})[f"{fn.__module__}.{fn.__qualname__}"] = Panel(
            name=fn.__qualname__, render=fn, order=order
        )
        return fn

    return decorator


def render_panels(slot: str, request, **context) -> list[str]:
    """The HTML of every panel of `slot` that has something to show, in order."""
    out = []
    for p in sorted(_PANELS.get(slot, {}).values(), key=lambda p: (p.order, p.name)):
        html = p.render(request, **context)
        if html:
            out.append(mark_safe(html))  # noqa: S308 - panels return templates rendered with autoescape
    return out


def provider(name: str):
    """Register `fn` as one of the providers of `name` (e.g. "household_timeline": entries of a
    household's timeline from another app). The app that owns `name` calls `providers(name)`."""

    def decorator(fn):
        _PROVIDERS.setdefault(name, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return decorator


def providers(name: str) -> list[Callable]:
    return [fn for _key, fn in sorted(_PROVIDERS.get(name, {}).items())]


def timeline_rows(household, person=None) -> dict:
    """The filter of a "household_timeline" provider's rows (its provider is called as
    ``fn(household, person=None)``): the member's own with ``person``, else every member's."""
    return {"person": person} if person is not None else {"person__household": household}
