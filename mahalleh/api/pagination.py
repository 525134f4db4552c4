from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pagination on the primary key: page N costs the same as page 1.

    A cursor is opaque: pass back the ``next`` or ``previous`` link as it came. One that was
    altered or cut is bad input (400 at ``cursor``), not a missing page.
    """

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        _("This cursor is not valid: use the next or previous link as given.")
                    ]
                }
            ) from None
