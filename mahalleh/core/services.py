"""Helpers shared by the services of every app."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _


class ServiceWarning(ValidationError):
    """A refusal the user may look at and, for some codes, confirm (e.g. a likely duplicate).

    `field` names the form field the warning belongs to, with `field_message` to show there.
    Pages get it back from `core.access.run_service` on `form.service_warning`.
    """

    field: str | None = None
    field_message: str = ""


def version_token(obj) -> str:
    """An opaque token of the state a form was opened on (the row's last change time)."""
    updated = getattr(obj, "updated_at", None)
    return updated.isoformat() if updated else ""


def ensure_fresh(obj, version: str | None) -> None:
    """Refuse an edit made on stale data instead of silently overwriting someone else's change."""
    if version is None:
        return
    if version != version_token(obj):
        raise ValidationError(
            _(
                "Someone else changed this record after you opened it. "
                "Your changes were not saved: reload the page and make them again."
            ),
            code="stale",
        )


def locked_fresh(obj, version: str | None, *related: str):
    """`obj` read again with its row locked until the transaction ends (a second edit of it waits
    for this one), then refused like `ensure_fresh` if it changed since `version`. `related` are
    `select_related` lookups the service reads next."""
    queryset = type(obj).objects.select_for_update()
    if related:
        queryset = queryset.select_related(*related)
    obj = queryset.get(pk=obj.pk)
    ensure_fresh(obj, version)
    return obj


def require(condition: bool) -> None:
    """Refuse an action the user's role does not allow."""
    if not condition:
        raise PermissionDenied(_("Your role does not allow this action."))


def save_changes(obj, data: dict) -> dict:
    """Set `data` on `obj`, validate it and save it; returns the values it had before (what the
    audit entry's diff compares with)."""
    before = {key: getattr(obj, key) for key in data}
    for key, value in data.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    return before
