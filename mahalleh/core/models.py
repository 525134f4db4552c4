"""Model pieces shared by every app."""

from django.conf import settings
from django.db import models

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


def user_fk(verbose_name=None, *, blank: bool = False) -> models.ForeignKey:
    """The account that did something to a row (created, recorded, entered, decided it …): the
    row keeps its history with an empty key when the account is deleted, and a user does not
    list the rows back (no reverse name)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
        verbose_name=verbose_name,
    )


class LocalizedName:
    """A record named in both languages (`name_fa`, `name_en`): `name` is the name in the active
    language, falling back to Persian (a model shows it as its text with `__str__`)."""

    @property
    def name(self) -> str:
        return localized(self.name_fa, self.name_en)
