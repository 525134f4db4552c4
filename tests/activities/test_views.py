"""Activity pages as their users see them: scope (404), forms with errors at the field, Persian digits
and Jalali dates, the attendance sheet with and without htmx, and the household timeline."""

import datetime
import re

import pytest
from django.urls import reverse

from mahalleh.activities import services
from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import to_persian_digits
from tests.activities.conftest import days, tr
from tests.registry.pages import section

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args) -> str:
    return reverse(f"activities:{name}", args=args)


def page(client, address, **params) -> str:
    response = client.get(address, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def jalali(d: datetime.date) -> str:
    return format_jalali(d, persian_digits=True)


def marks(session) -> dict[int, bool]:
    return dict(Attendance.objects.filter(session=session).values_list("person_id", "present"))


def take_half(act):
    """Session 1: everyone present; session 2: only the head. 4 of 6 → 67%."""
    fa, r = act.world.facilitator_a, act.reg
    services.attendance_save(actor=fa, session=act.session_1, marks={p.pk: True for p in act.enrolled})
    services.attendance_save(
        actor=fa,
        session=act.session_2,
        marks={r.head_a.pk: True, r.child_a.pk: False, r.daughter_a.pk: False},
    )


# --------------------------------------------------------------------------- list


def test_activity_list_shows_the_office_activities_with_persian_digits_and_jalali_dates(act, login):
    take_half(act)
    client = login(act.world.facilitator_a)
    table = section(page(client, url("list")), "activity-table")
    assert "کلاس مهارت‌های زندگی" in table
    assert "فوتبال محله ب" not in table
    assert jalali(act.activity.starts_on) in table
    row = section(table, "activity-row")
    assert "<td>۳</td>" in row  # enrolled, and sessions
    assert section(row, "activity-rate").count("۶۷٪") == 1
    assert not re.search(r">\s*[0-9]", row.replace('dir="ltr"', "")), "a Latin digit in the Persian row"


def test_activity_list_filters_by_kind_and_state(act, login):
    client = login(act.world.facilitator_a)
    assert "کلاس مهارت" not in section(page(client, url("list"), kind="sport"), "activity-table")
    assert "کلاس مهارت" in section(page(client, url("list"), kind="class"), "activity-table")
    assert "کلاس مهارت" in section(page(client, url("list"), state="current"), "activity-table")
    assert "کلاس مهارت" not in section(page(client, url("list"), state="finished"), "activity-table")


def test_the_navigation_links_to_the_activities(act, login):
    html = page(login(act.world.facilitator_a), url("list"))
    assert f'href="{url("list")}" data-nav="activities"' in html


@pytest.mark.parametrize("who", ["analyst", "pr_a", "partner_user"])
def test_roles_without_personal_data_get_404(act, login, who):
    client = login(getattr(act.world, who))
    assert client.get(url("list")).status_code == 404
    assert client.get(url("detail", act.activity.pk)).status_code == 404
    assert client.get(url("attendance", act.session_1.pk)).status_code == 404


def test_the_coordinator_reads_the_province_activities_but_changes_nothing(act, login):
    client = login(act.world.coordinator)
    table = section(page(client, url("list")), "activity-table")
    assert "کلاس مهارت" in table and "فوتبال محله ب" in table
    assert 'data-testid="add-activity"' not in page(client, url("list"))
    sheet = page(client, url("attendance", act.session_1.pk))
    assert sheet.count('data-testid="toggle"') == 3
    assert sheet.count(" disabled") >= 3
    assert 'data-testid="save-all"' not in sheet
    assert client.get(url("edit", act.activity.pk)).status_code == 404
    response = client.post(url("attendance", act.session_1.pk), {"roster": [act.reg.child_a.pk]})
    assert response.status_code == 404
    assert not Attendance.objects.exists()


# --------------------------------------------------------------------------- scope


def test_facilitator_of_office_b_gets_404_on_every_page_of_office_a(act, login):
    client = login(act.world.facilitator_b)
    a, s = act.activity.pk, act.session_1.pk
    enrolment = Enrolment.objects.filter(activity=act.activity).first().pk
    for address in [
        url("detail", a),
        url("edit", a),
        url("session_create", a),
        url("enrol_search", a) + "?q=احمدی",
        url("attendance", s),
        url("session_edit", s),
        url("walkin_search", s) + "?q=احمدی",
    ]:
        assert client.get(address).status_code == 404, address
    child = act.reg.child_a.pk
    for address, data in [
        (url("attendance", s), {"roster": [child], "present": [child]}),
        (url("attendance_mark", s), {"person": child, "present": [child]}),
        (url("walkin_add", s), {"person": child}),
        (url("enrol", a), {"person": act.reg.head_b.pk}),
        (url("unenrol", enrolment), {}),
        (url("session_delete", act.future.pk), {}),
    ]:
        assert client.post(address, data, **HTMX).status_code == 404, address
    assert not Attendance.objects.exists()
    assert not Enrolment.objects.filter(activity=act.activity, person=act.reg.head_b).exists()
    assert Session.objects.filter(pk=act.future.pk).exists()


def test_an_activity_of_office_b_is_not_in_office_a_list(act, login):
    client = login(act.world.facilitator_a)
    assert client.get(url("detail", act.activity_b.pk)).status_code == 404
    assert client.get(url("attendance", act.session_b.pk)).status_code == 404


# --------------------------------------------------------------------------- create and edit


def test_create_an_activity_with_jalali_dates_typed_in_persian_digits(act, login):
    client = login(act.world.facilitator_a)
    form = page(client, url("create"))
    assert 'data-testid="age-groups"' in form and 'type="checkbox"' in form
    response = client.post(
        url("create"),
        {
            "kind": "sport",
            "title": "والیبال دختران",
            "age_groups": ["adolescent", "youth"],
            "sex": "female",
            "partner": act.world.partner.pk,
            "facilitator": act.world.manager_a.pk,
            "place": "سالن ورزشی",
            "starts_on": "۱۴۰۵/۰۷/۰۱",
            "ends_on": "1405/09/30",
        },
    )
    activity = Activity.objects.get(title="والیبال دختران")
    assert response.status_code == 302 and response.url == url("detail", activity.pk)
    assert activity.office == act.world.office_a
    assert activity.starts_on == datetime.date(2026, 9, 23)
    assert activity.ends_on == datetime.date(2026, 12, 21)
    assert activity.age_groups == ["adolescent", "youth"]
    assert activity.partner == act.world.partner and activity.facilitator == act.world.manager_a


def test_activity_form_shows_the_error_at_the_field(act, login):
    client = login(act.world.facilitator_a)
    response = client.post(
        url("create"),
        {
            "kind": "class",
            "title": "کلاس",
            "sex": "any",
            "facilitator": act.world.facilitator_a.pk,
            "starts_on": "1405/07/01",
            "ends_on": "1405/06/01",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="ends_on"' in html
    assert not Activity.objects.filter(title="کلاس").exists()


def test_activity_form_offers_only_the_office_staff_as_facilitator(act, login):
    html = page(login(act.world.facilitator_a), url("create"))
    select = re.search(r'<select name="facilitator".*?</select>', html, re.S).group(0)
    assert f'value="{act.world.facilitator_a.pk}"' in select
    assert f'value="{act.world.facilitator_b.pk}"' not in select
    assert f'value="{act.world.pr_a.pk}"' not in select


def test_edit_refuses_dates_that_leave_a_session_outside(act, login):
    client = login(act.world.facilitator_a)
    form = page(client, url("edit", act.activity.pk))
    version = re.search(r'name="version" value="([^"]*)"', form).group(1)
    response = client.post(
        url("edit", act.activity.pk),
        {
            "kind": "class",
            "title": act.activity.title,
            "sex": "any",
            "facilitator": act.world.facilitator_a.pk,
            "starts_on": jalali(act.today),
            "version": version,
        },
    )
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()
    act.activity.refresh_from_db()
    assert act.activity.starts_on == act.today - days(30)


# --------------------------------------------------------------------------- activity page and enrolment


def test_activity_page_lists_the_enrolled_and_the_sessions(act, login):
    take_half(act)
    html = page(login(act.world.facilitator_a), url("detail", act.activity.pk))
    enrolled = section(html, "enrolled-list")
    assert enrolled.count('data-testid="enrolled-row"') == 3
    assert "۱۰۰٪" in enrolled and "۵۰٪" in enrolled  # the head, then the children
    assert "۶۷٪" in section(html, "rate-card")
    sessions = section(html, "session-table")
    assert sessions.count('data-testid="session-row"') == 3
    assert jalali(act.session_1.date) in sessions and "۱۶:۰۰ – ۱۷:۳۰" in sessions


def test_enrol_search_offers_residents_of_the_office_only(act, login, reg):
    services.unenrol(actor=act.world.facilitator_a, enrolment=Enrolment.objects.get(person=reg.child_a))
    client = login(act.world.facilitator_a)
    html = page(client, url("enrol_search", act.activity.pk), q="محمدرضا")
    assert "احمدی" in html and "کریمی" not in html  # the same first name in office B
    html = page(client, url("enrol_search", act.activity.pk), q="علی احمدی")
    result = section(html, "enrol-result")
    assert f'data-person="{reg.child_a.pk}"' in result and 'data-testid="enrol-button"' in result


def test_enrol_with_htmx_answers_the_row_and_the_new_enrolled_list(act, login, reg):
    fa = act.world.facilitator_a
    services.unenrol(actor=fa, enrolment=Enrolment.objects.get(person=reg.child_a))
    response = login(fa).post(url("enrol", act.activity.pk), {"person": reg.child_a.pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="enrolled-badge"' in html
    assert 'id="enrolled-list"' in html and 'hx-swap-oob="outerHTML"' in html
    assert Enrolment.objects.filter(activity=act.activity, person=reg.child_a, left_on=None).exists()


def test_enrol_twice_shows_the_message_in_the_row(act, login, reg):
    response = login(act.world.facilitator_a).post(
        url("enrol", act.activity.pk), {"person": reg.child_a.pk}, **HTMX
    )
    assert 'data-testid="enrol-error"' in response.content.decode()
    assert Enrolment.objects.filter(activity=act.activity, person=reg.child_a).count() == 1


def test_enrolling_a_resident_of_another_office_is_a_404_and_saves_nothing(act, login, reg):
    response = login(act.world.facilitator_a).post(
        url("enrol", act.activity.pk), {"person": reg.head_b.pk}, **HTMX
    )
    assert response.status_code == 404
    assert not Enrolment.objects.filter(activity=act.activity, person=reg.head_b).exists()


def test_enrol_without_javascript_redirects_back_with_a_message(act, login, reg):
    fa = act.world.facilitator_a
    services.unenrol(actor=fa, enrolment=Enrolment.objects.get(person=reg.child_a))
    client = login(fa)
    response = client.post(url("enrol", act.activity.pk), {"person": reg.child_a.pk})
    assert response.status_code == 302 and response.url == url("detail", act.activity.pk)
    assert "علی احمدی" in page(client, url("detail", act.activity.pk))


# --------------------------------------------------------------------------- sessions


def test_add_a_session_with_a_jalali_date_and_times(act, login):
    client = login(act.world.facilitator_a)
    day = act.today - days(1)
    response = client.post(
        url("session_create", act.activity.pk),
        {
            "date": jalali(day),
            "start_time": "۱۰:۰۰",
            "end_time": "11:30",
            "topic": "همدلی",
            "then": "attendance",
        },
    )
    session = Session.objects.get(activity=act.activity, date=day)
    assert response.status_code == 302 and response.url == url("attendance", session.pk)
    assert session.start_time == datetime.time(10, 0) and session.end_time == datetime.time(11, 30)


def test_a_session_ending_before_it_starts_shows_the_error_at_the_end_time(act, login):
    client = login(act.world.facilitator_a)
    response = client.post(
        url("session_create", act.activity.pk),
        {"date": jalali(act.today), "start_time": "16:00", "end_time": "15:00"},
    )
    assert response.status_code == 200
    assert 'data-field-error="end_time"' in response.content.decode()
    assert not Session.objects.filter(activity=act.activity, date=act.today).exists()


# --------------------------------------------------------------------------- attendance sheet


def test_the_sheet_lists_the_enrolled_all_present_by_default(act, login):
    html = page(login(act.world.facilitator_a), url("attendance", act.session_1.pk))
    sheet = section(html, "attendance-list")
    assert sheet.count('data-testid="attendance-row"') == 3
    assert sheet.count(" checked") == 3
    assert sheet.count('data-testid="unsaved-mark"') == 3
    assert 'data-testid="save-top"' in html and 'data-testid="save-all"' in html
    assert to_persian_digits("16:00") in html and jalali(act.session_1.date) not in html  # the long date
    assert "hx-post" in sheet


def test_save_all_without_javascript_saves_every_mark(act, login, reg):
    client = login(act.world.facilitator_a)
    roster = [p.pk for p in act.enrolled]
    response = client.post(
        url("attendance", act.session_1.pk),
        {"roster": roster, "present": [reg.head_a.pk, reg.daughter_a.pk], "action": "save"},
    )
    assert response.status_code == 302
    assert marks(act.session_1) == {reg.head_a.pk: True, reg.child_a.pk: False, reg.daughter_a.pk: True}
    html = page(client, url("attendance", act.session_1.pk))
    assert section(html, "present-count").count("۲") == 1
    assert section(html, "absent-count").count("۱") == 1


def test_mark_all_present_saves_the_whole_class_in_one_click(act, login):
    client = login(act.world.facilitator_a)
    roster = [p.pk for p in act.enrolled]
    client.post(url("attendance", act.session_1.pk), {"roster": roster, "action": "all_present"})
    assert marks(act.session_1) == dict.fromkeys(roster, True)


def _buttons(html: str) -> list[tuple[str, str]]:
    """The submit buttons of the attendance form, as (value of name="action", label)."""
    form = section(html, "attendance-form")
    return re.findall(r'<button type="submit" name="action" value="([^"]+)"[^>]*>([^<]+)</button>', form)


def test_every_save_button_keeps_the_three_switched_off_absent(act, login, reg):
    """Issue 8.1: switch three off (each toggle saved at once by htmx), then press a save button: the
    three stay absent, whichever button the user presses."""
    fa = act.world.facilitator_a
    client = login(fa)
    roster = [p.pk for p in act.enrolled]
    for pid in roster:  # the three htmx toggles, as the browser sends them
        client.post(url("attendance_mark", act.session_1.pk), {"person": pid, "roster": roster}, **HTMX)
    assert marks(act.session_1) == dict.fromkeys(roster, False)
    html = page(client, url("attendance", act.session_1.pk))
    buttons = _buttons(html)
    assert buttons, "the sheet has save buttons"
    for action, _label in buttons:
        # The switches are off, so the browser sends no "present" for them.
        client.post(url("attendance", act.session_1.pk), {"roster": roster, "action": action})
        assert marks(act.session_1) == dict.fromkeys(roster, False), action
    response = client.get(url("attendance", act.session_1.pk))
    assert section(response.content.decode(), "absent-count").count("۳") == 1


def test_the_save_buttons_and_help_say_that_switched_off_residents_are_saved_absent(act, login):
    client = login(act.world.facilitator_a)
    client.post("/i18n/setlang/", {"language": "en"})
    html = page(client, url("attendance", act.session_1.pk))
    labels = [label for _action, label in _buttons(html)]
    assert labels and all("as marked" in label for label in labels), labels
    assert "present" not in " ".join(labels).lower()  # no button claims to mark everyone present
    assert "Switch off whoever is absent" in section(html, "attendance-help")


def test_mark_all_present_from_an_old_page_keeps_the_marks_already_saved(act, login, reg):
    fa = act.world.facilitator_a
    services.attendance_save(actor=fa, session=act.session_1, marks={reg.child_a.pk: False})
    client = login(fa)
    roster = [p.pk for p in act.enrolled]
    client.post(url("attendance", act.session_1.pk), {"roster": roster, "action": "all_present"})
    assert marks(act.session_1) == {reg.head_a.pk: True, reg.child_a.pk: False, reg.daughter_a.pk: True}


def test_the_htmx_toggle_updates_one_row(act, login, reg):
    fa = act.world.facilitator_a
    services.attendance_save(actor=fa, session=act.session_1, marks={p.pk: True for p in act.enrolled})
    before = {a.person_id: a.recorded_at for a in Attendance.objects.filter(session=act.session_1)}
    client = login(fa)
    # The switch sits in the sheet's form, so htmx sends the whole form: the child is switched off.
    response = client.post(
        url("attendance_mark", act.session_1.pk),
        {"person": reg.child_a.pk, "roster": list(before), "present": [reg.head_a.pk, reg.daughter_a.pk]},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="attendance-row"') == 1
    assert f'id="mark-{reg.child_a.pk}"' in html and 'data-present="0"' in html and 'data-saved="1"' in html
    # The summary's content is swapped inside it: the role="status" box stays, so the new counts are read out.
    assert 'id="attendance-summary"' in html and 'hx-swap-oob="innerHTML"' in html
    assert marks(act.session_1) == {reg.head_a.pk: True, reg.child_a.pk: False, reg.daughter_a.pk: True}
    after = {a.person_id: a.recorded_at for a in Attendance.objects.filter(session=act.session_1)}
    assert (
        after[reg.head_a.pk] == before[reg.head_a.pk]
        and after[reg.daughter_a.pk] == before[reg.daughter_a.pk]
    )
    assert after[reg.child_a.pk] > before[reg.child_a.pk]


def test_the_htmx_toggle_twice_keeps_one_row(act, login, reg):
    client = login(act.world.facilitator_a)
    for _ in range(2):
        client.post(
            url("attendance_mark", act.session_1.pk),
            {"person": reg.child_a.pk, "present": [reg.child_a.pk]},
            **HTMX,
        )
    assert Attendance.objects.filter(session=act.session_1, person=reg.child_a).count() == 1


def test_a_future_session_cannot_be_marked(act, login, reg):
    client = login(act.world.facilitator_a)
    html = page(client, url("attendance", act.future.pk))
    assert 'data-testid="future-session"' in html
    assert 'data-testid="save-all"' not in html
    response = client.post(
        url("attendance_mark", act.future.pk), {"person": reg.child_a.pk, "present": [reg.child_a.pk]}, **HTMX
    )
    assert response.status_code == 400
    assert 'data-testid="mark-error"' in response.content.decode()
    client.post(url("attendance", act.future.pk), {"roster": [reg.child_a.pk], "action": "all_present"})
    assert not Attendance.objects.filter(session=act.future).exists()


def test_a_walk_in_is_found_and_added_as_present(act, login, reg):
    fa = act.world.facilitator_a
    services.unenrol(actor=fa, enrolment=Enrolment.objects.get(person=reg.daughter_a))
    client = login(fa)
    results = page(client, url("walkin_search", act.session_1.pk), q="ملیکا")
    assert 'data-testid="add-walkin"' in results
    response = client.post(url("walkin_add", act.session_1.pk), {"person": reg.daughter_a.pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="attendance-sheet"' in html
    row = html.split(f'id="mark-{reg.daughter_a.pk}"', 1)[1].split('id="mark-', 1)[0]  # her row
    assert f'<span class="badge text-bg-info">{tr("walk-in")}</span>' in row
    mark = Attendance.objects.get(session=act.session_1, person=reg.daughter_a)
    assert mark.present and mark.walk_in


def test_a_walk_in_from_another_office_is_refused(act, login, reg):
    client = login(act.world.facilitator_a)
    response = client.post(url("walkin_add", act.session_1.pk), {"person": reg.head_b.pk}, **HTMX)
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_unenrol_from_the_activity_page(act, login, reg):
    client = login(act.world.facilitator_a)
    enrolment = Enrolment.objects.get(person=reg.child_a)
    response = client.post(url("unenrol", enrolment.pk))
    assert response.status_code == 302
    assert not Enrolment.objects.filter(pk=enrolment.pk).exists()


# --------------------------------------------------------------------------- timeline


def test_household_timeline_shows_enrolments_with_attendance(act, login, reg):
    take_half(act)
    html = page(
        login(act.world.facilitator_a), reverse("registry:household_detail", args=[reg.household_a.pk])
    )
    timeline = section(html, "timeline")
    assert timeline.count('data-kind="activity_enrolled"') == 3
    assert "کلاس مهارت‌های زندگی" in timeline
    assert f'href="{url("detail", act.activity.pk)}"' in timeline
    assert "۲" in section(timeline, "timeline-attendance")  # attended … of 2 sessions
