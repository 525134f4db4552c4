"""Password rules with messages in the UI's language and digits."""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength
from django.utils.translation import ngettext

from mahalleh.core.i18n import is_persian
from mahalleh.core.persian import to_persian_digits


class MinimumLengthValidator(DjangoMinimumLength):
    """Django's rule, with a message our catalogue translates (Django's Persian one has none for it)
    and the number in Persian digits in the Persian UI."""

    def _count(self) -> str:
        return to_persian_digits(str(self.min_length)) if is_persian() else str(self.min_length)

    def get_error_message(self):
        return ngettext(
            "This password is too short: it must have at least %(count)s character.",
            "This password is too short: it must have at least %(count)s characters.",
            self.min_length,
        ) % {"count": self._count()}

    def get_help_text(self):
        return ngettext(
            "Your password must have at least %(count)s character.",
            "Your password must have at least %(count)s characters.",
            self.min_length,
        ) % {"count": self._count()}
