"""Upload size limits, per kind of upload (settings.UPLOAD_LIMITS_MB), with a clear message."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mahalleh.core.i18n import is_persian
from mahalleh.core.persian import to_persian_digits

MB = 1024 * 1024


def upload_limit_bytes(kind: str) -> int:
    return int(settings.UPLOAD_LIMITS_MB[kind]) * MB


def _mb(size: float) -> str:
    text = f"{size:.1f}".rstrip("0").rstrip(".")
    if is_persian():
        return to_persian_digits(text).replace(".", "٫")
    return text


def check_upload_size(upload, *, kind: str, field: str = "file") -> None:
    """Refuse a file larger than the limit for its kind, before anything is stored."""
    limit = upload_limit_bytes(kind)
    size = getattr(upload, "size", None) or 0
    if size > limit:
        raise ValidationError(
            {
                field: [
                    _("This file is %(size)s MB; the largest file accepted here is %(limit)s MB.")
                    % {"size": _mb(size / MB), "limit": _mb(limit / MB)}
                ]
            },
            code="too_large",
        )
