"""Model pieces shared by every app."""

from django.db import models

from mahalleh.core.i18n import localized


class Tracked(models.Model):
    """When a row was created and last changed; `updated_at` is also its edit version.

    `core.services.version_token` turns `updated_at` into the token a form or an API client sends
    back, so a stale edit is refused (`ensure_fresh`).
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class LocalizedName:
    """A record named in both languages (`name_fa`, `name_en`): `name` is the name in the active
    language, falling back to Persian (a model shows it as its text with `__str__`)."""

    @property
    def name(self) -> str:
        return localized(self.name_fa, self.name_en)
