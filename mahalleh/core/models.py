"""Model pieces shared by every app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalleh.core.i18n import localized


class Created(models.Model):
    """When a row was created."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Versioned(models.Model):
    """When a row last changed; `updated_at` is also its edit version.

    `core.services.version_token` turns `updated_at` into the token a form or an API client sends
    back, so a stale edit is refused (`ensure_fresh`).
    """

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Tracked(Created, Versioned):
    """When a row was created and last changed (`updated_at` is its edit version, see `Versioned`)."""

    class Meta:
        abstract = True


class CatalogueEntry(models.Model):
    """An entry of a catalogue the national admin keeps (harm types, assessment items, indicators):
    a stable code the data refers to, switched off rather than deleted, and its place in lists."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True


def optional_fk(
    to, related_name: str, verbose_name=None, *, on_delete=models.PROTECT, **extra
) -> models.ForeignKey:
    """A foreign key that may be empty (blank in forms), protected unless told otherwise: a record
    that may or may not belong to a province, an office, a partner, a household …"""
    return models.ForeignKey(
        to,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
        **extra,
    )


def office_fk(related_name: str) -> models.ForeignKey:
    """The office a record belongs to, the key scoping reads (core.scoping): required, and an
    office that has records cannot be deleted."""
    return models.ForeignKey(
        "geo.Office", on_delete=models.PROTECT, related_name=related_name, verbose_name=_("office")
    )


def user_fk(verbose_name=None, *, blank: bool = False, db_index: bool = True) -> models.ForeignKey:
    """The account that did something to a row (created, recorded, entered, decided it …): the
    row keeps its history with an empty key when the account is deleted, and a user does not
    list the rows back (no reverse name). ``db_index=False`` on the registry's large tables, where
    nothing looks rows up by their author and every imported row paid for the index."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
        verbose_name=verbose_name,
        db_index=db_index,
    )


def status_change(choices) -> tuple[models.CharField, models.CharField]:
    """The two statuses of one step of a record's history: the one it left (empty for the first
    step) and the one it reached, both from the record's own `Status.choices`."""
    return (
        models.CharField(max_length=12, choices=choices, blank=True),
        models.CharField(max_length=12, choices=choices),
    )


class StatusStep(models.Model):
    """One step of a record's status history: who took it (`by`) and when (`at`). A subclass adds
    the record's foreign key and `from_status, to_status = status_change(Record.Status.choices)`."""

    by = user_fk()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    @property
    def transition(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


def only_set(keys: tuple[str, ...], chosen: str | None = None) -> dict[str, bool]:
    """The lookups of a check constraint that, of the foreign keys `keys`, `chosen` is set and the
    others are empty (all empty without `chosen`): `Q(level="office", **only_set(PLACE_KEYS, "office"))`."""
    return {f"{key}__isnull": key != chosen for key in keys}


def localized_names(max_length: int = 200) -> tuple[models.CharField, models.CharField]:
    """`name_fa, name_en = localized_names()`: a record's name in Persian, required, and in
    English, optional (see `LocalizedName`)."""
    return (
        models.CharField(_("Persian name"), max_length=max_length),
        models.CharField(_("English name"), max_length=max_length, blank=True),
    )


def in_active_language(field: str) -> property:
    """`title = in_active_language("title")`: a text kept in both languages (`title_fa`,
    `title_en`), read in the active language, falling back to Persian."""
    return property(lambda obj: localized(getattr(obj, f"{field}_fa"), getattr(obj, f"{field}_en")))


class LocalizedName:
    """A record named in both languages (`name_fa`, `name_en`, made by `localized_names`): `name`
    is the name in the active language, falling back to Persian, and is the record's text
    (`__str__`; put this mixin before `models.Model` so its `__str__` is the one used)."""

    name = in_active_language("name")

    def __str__(self) -> str:
        return self.name
