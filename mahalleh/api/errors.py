"""One shape for every API error, in the caller's language.

- 400 (bad input): ``{"<field>": ["message", ...], ...}`` — one entry per field that is wrong,
  ``non_field_errors`` for the body as a whole; an unknown field is named like any other.
- Every other error (401, 403, 404, 405, 409, 415, 429, 500): ``{"detail": "message", "code": "..."}``.

The messages follow Accept-Language (or the user's language switch; Persian otherwise), see
``mahalleh.core.middleware``. Django's own 404/500 pages answer the same JSON under ``/api/``
(``mahalleh.core.views``), so an API client never gets an HTML page.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Services raise Django's ValidationError; answer it as a 400 with the messages per field.

    An edit refused because the record changed since it was read (`core.services.ensure_fresh`,
    code "stale") is a 409 Conflict with the service's message, for every endpoint alike.
    """
    if isinstance(exc, DjangoValidationError) and getattr(exc, "code", None) == "stale":
        return Response({"detail": exc.messages[0], "code": "stale"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                field: [str(m) for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        if not isinstance(response.data, dict):
            response.data = {"non_field_errors": list(response.data)}
    elif isinstance(response.data, dict) and "detail" in response.data:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {"detail": str(response.data["detail"]), "code": str(codes)}
    return response
