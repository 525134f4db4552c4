"""Issue #8.7: no Latin digits, Gregorian dates or English left in the Persian UI, no Persian
punctuation in the English one."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from mahalleh.audit.models import AuditEntry
from mahalleh.audit.views import describe_changes
from mahalleh.core.forms import JalaliDateInput
from mahalleh.core.i18n import join_list
from mahalleh.registry.forms import PersonForm


def test_example_placeholders_are_in_the_ui_languages_digits():
    date = JalaliDateInput()
    with translation.override("fa"):
        assert 'placeholder="۱۴۰۲/۰۵/۰۳"' in date.render("on", None)
        assert 'placeholder="۰۹۱۲۱۲۳۴۵۶۷"' in str(PersonForm()["mobile"])
    with translation.override("en"):
        assert 'placeholder="1402/05/03"' in date.render("on", None)
        assert 'placeholder="09121234567"' in str(PersonForm()["mobile"])


def test_names_in_a_sentence_are_isolated_and_lists_use_the_languages_separator():
    template = Template(
        "{% load mahalleh %}{% for n in names %}{{ n|bdi }}{% if not forloop.last %}{% list_sep %}{% endif %}"
        "{% endfor %}"
    )
    names = ["مریم", "Ali <b>"]
    with translation.override("fa"):
        assert join_list(["a", "b"]) == "a، b"
        assert template.render(Context({"names": names})) == "<bdi>مریم</bdi>، <bdi>Ali &lt;b&gt;</bdi>"
    with translation.override("en"):
        assert join_list(["a", "b"]) == "a, b"
        assert template.render(Context({"names": names})) == "<bdi>مریم</bdi>, <bdi>Ali &lt;b&gt;</bdi>"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fa", "این رمز عبور کوتاه است: باید دست‌کم ۱۰ نویسه داشته باشد."),
        ("en", "This password is too short: it must have at least 10 characters."),
    ],
)
def test_the_password_length_rule_speaks_the_ui_language(lang, expected):
    with translation.override(lang), pytest.raises(ValidationError) as caught:
        validate_password("kQ7#zv")
    assert expected in caught.value.messages


def test_audit_changes_show_jalali_dates_persian_digits_and_words():
    session_entry = AuditEntry(object_type="session", changes={"attendance": {"present": 24, "absent": 0}})
    person_entry = AuditEntry(object_type="person", changes={"birth_date": [None, "2026-12-02"]})
    with translation.override("fa"):
        (attendance,) = describe_changes(session_entry)
        (birth,) = describe_changes(person_entry)
    assert attendance["value"] == "حاضر: ۲۴، غایب: ۰"
    assert birth["new"] == "۱۴۰۵/۰۹/۱۱"  # 2026-12-02 is 11 Azar 1405
    with translation.override("en"):
        (attendance,) = describe_changes(session_entry)
        (birth,) = describe_changes(person_entry)
    assert attendance["value"] == "present: 24, absent: 0"
    assert birth["new"] == "1405/09/11"


def test_audit_names_an_object_in_the_readers_language_whatever_the_writers():
    from mahalleh.audit.views import shown_repr

    entry = AuditEntry(object_type="household", object_repr="Household of سعید محمدپور")
    with translation.override("fa"):
        persian = shown_repr(entry)
    with translation.override("en"):
        english = shown_repr(entry)
    assert "Household" not in persian and "سعید محمدپور" in persian
    assert english == "Household of سعید محمدپور"
    assert shown_repr(AuditEntry(object_type="person", object_repr="Ali")) == "Ali"
