"""Bilingual values stored side by side (a Persian and an English name)."""

from django.utils.translation import get_language


def localized(fa: str, en: str) -> str:
    """The English text in the English UI when there is one; the Persian text otherwise."""
    if en and (get_language() or "fa").startswith("en"):
        return en
    return fa


def is_persian() -> bool:
    """Whether the active UI language is Persian (the default) rather than English."""
    return not (get_language() or "fa").startswith("en")


def list_separator() -> str:
    """The separator between the items of a list in running text: «، » in Persian, ", " in English."""
    return "، " if is_persian() else ", "


def join_list(items) -> str:
    """Items (names, column titles …) joined for running text in the UI language."""
    return list_separator().join(str(item) for item in items)
