"""The API's body parser: JSON, with its refusal in the caller's language."""

import json

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body that is not JSON is refused with a message in the caller's
    language saying where it broke (DRF's own, "JSON parse error - Expecting value: line 1 column
    1 (char 0)", is English whatever the caller asked for)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as refused:
            cause = refused.__context__  # DRF raises its ParseError while handling the ValueError
            if isinstance(cause, json.JSONDecodeError):
                where = {"line": cause.lineno, "column": cause.colno}
                message = _("The body is not valid JSON: the error is at line %(line)s, column %(column)s.")
                message %= where
            elif isinstance(cause, UnicodeDecodeError):
                message = _("The body is not valid JSON: it is not UTF-8 text.")
            else:
                message = _("The body is not valid JSON.")
            raise exceptions.ParseError(message) from cause
