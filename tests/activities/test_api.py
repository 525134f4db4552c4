"""Activities API: the same scope and rules as the pages. Every answer is checked against the OpenAPI
schema (the client comes from tests/api/conftest.py). The API speaks Persian unless the client sends
the language cookie, so messages are compared with the Persian catalogue."""

import datetime

import pytest
from django.utils import translation

from mahalleh.activities import services
from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import to_persian_digits
from tests.activities.conftest import days, tr
from tests.api.conftest import api, openapi  # noqa: F401 — fixtures reused

pytestmark = pytest.mark.django_db


def test_schema_documents_the_activity_endpoints(openapi):  # noqa: F811
    paths = openapi.raw["paths"]
    assert set(paths["/api/v1/activities/"]) == {"get", "post"}
    assert set(paths["/api/v1/activities/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/sessions/"]) == {"get", "post"}
    assert set(paths["/api/v1/sessions/{id}/attendance/"]) == {"get", "post"}
    assert set(paths["/api/v1/enrolments/"]) == {"get", "post"}
    assert "post" in paths["/api/v1/enrolments/{id}/leave/"]


def test_activity_list_is_scoped_to_the_office(act, api):  # noqa: F811
    body = api(act.world.facilitator_a).get("/api/v1/activities/").json()
    assert [a["id"] for a in body["results"]] == [act.activity.pk]
    assert body["results"][0]["enrolled_count"] == 3
    coordinator = api(act.world.coordinator).get("/api/v1/activities/").json()
    assert {a["id"] for a in coordinator["results"]} == {act.activity.pk, act.activity_b.pk}
    assert api(act.world.analyst).get("/api/v1/activities/").json()["results"] == []
    assert api(act.world.partner_user).get("/api/v1/sessions/").json()["results"] == []


def test_another_office_activity_session_and_enrolment_are_404(act, api):  # noqa: F811
    client = api(act.world.facilitator_b)
    enrolment = Enrolment.objects.filter(activity=act.activity).first()
    assert client.get(f"/api/v1/activities/{act.activity.pk}/").status_code == 404
    assert client.get(f"/api/v1/sessions/{act.session_1.pk}/").status_code == 404
    assert client.get(f"/api/v1/sessions/{act.session_1.pk}/attendance/").status_code == 404
    assert client.get(f"/api/v1/enrolments/{enrolment.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/sessions/{act.session_1.pk}/attendance/",
        {"marks": [{"person": act.reg.child_a.pk, "present": True}]},
        format="json",
    )
    assert response.status_code == 404
    assert client.post(f"/api/v1/enrolments/{enrolment.pk}/leave/", {}, format="json").status_code == 404
    assert client.get("/api/v1/sessions/", {"activity": act.activity.pk}).status_code == 404
    assert not Attendance.objects.exists()


def test_create_an_activity_and_a_session(act, api, today):  # noqa: F811
    client = api(act.world.facilitator_a)
    response = client.post(
        "/api/v1/activities/",
        {
            "kind": "skills",
            "title": "آموزش خیاطی",
            "age_groups": ["youth", "adult"],
            "sex": "female",
            "partner": act.world.partner.pk,
            "facilitator": act.world.facilitator_a.pk,
            "starts_on": (today - days(10)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    activity = response.json()
    assert activity["attendance_rate"] is None and activity["sessions_count"] == 0
    assert Activity.objects.get(pk=activity["id"]).office == act.world.office_a
    response = client.post(
        "/api/v1/sessions/",
        {"activity": activity["id"], "date": today.isoformat(), "start_time": "09:30", "end_time": "12:00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["start_time"] == "09:30:00+03:30"  # RFC 3339 `format: time`, Iran time


def test_bad_input_is_a_400_with_the_message_at_the_field(act, api, today):  # noqa: F811
    client = api(act.world.facilitator_a)
    response = client.post(
        "/api/v1/activities/",
        {
            "kind": "class",
            "title": "x",
            "facilitator": act.world.facilitator_b.pk,  # staff of another office
            "starts_on": today.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "facilitator" in response.json()
    response = client.post(
        "/api/v1/sessions/",
        {"activity": act.activity.pk, "date": today.isoformat(), "start_time": "10:00", "end_time": "09:00"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["end_time"] == [tr("The session must end after it starts.")]


def test_read_only_roles_get_403_on_writes(act, api, today):  # noqa: F811
    client = api(act.world.coordinator)
    response = client.post(
        "/api/v1/sessions/", {"activity": act.activity.pk, "date": today.isoformat()}, format="json"
    )
    assert response.status_code == 403
    response = client.post(
        f"/api/v1/sessions/{act.session_1.pk}/attendance/",
        {"marks": [{"person": act.reg.child_a.pk, "present": True}]},
        format="json",
    )
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_post_attendance_marks_twice_keeps_one_row_each(act, api, reg):  # noqa: F811
    client = api(act.world.facilitator_a)
    payload = {
        "marks": [
            {"person": reg.head_a.pk, "present": True},
            {"person": reg.child_a.pk, "present": False},
        ]
    }
    address = f"/api/v1/sessions/{act.session_1.pk}/attendance/"
    first = client.post(address, payload, format="json")
    second = client.post(address, payload, format="json")
    assert first.status_code == second.status_code == 200
    body = second.json()
    assert (body["present"], body["absent"], body["not_marked"]) == (1, 1, 1)
    lines = {line["person"]: line["present"] for line in body["lines"]}
    assert lines == {reg.head_a.pk: True, reg.child_a.pk: False, reg.daughter_a.pk: None}
    assert Attendance.objects.filter(session=act.session_1).count() == 2


def test_post_attendance_for_a_resident_of_another_office_is_refused_whole(act, api, reg):  # noqa: F811
    response = api(act.world.facilitator_a).post(
        f"/api/v1/sessions/{act.session_1.pk}/attendance/",
        {"marks": [{"person": reg.child_a.pk, "present": True}], "walk_ins": [reg.head_b.pk]},
        format="json",
    )
    assert response.status_code == 400
    with translation.override("fa"):  # one of the two residents is out of scope
        expected = translation.ngettext(
            "%(n)s of these residents is not in your office. Nothing was saved.",
            "%(n)s of these residents are not in your office. Nothing was saved.",
            1,
        ) % {"n": to_persian_digits(1)}
    assert response.json()["person"] == [expected]
    assert not Attendance.objects.exists()


def test_post_attendance_for_a_future_session_is_refused(act, api, reg):  # noqa: F811
    response = api(act.world.facilitator_a).post(
        f"/api/v1/sessions/{act.future.pk}/attendance/",
        {"marks": [{"person": reg.child_a.pk, "present": True}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        tr(
            "This session is on %(date)s, in the future: attendance can be taken on the day or later.",
            date=format_jalali(act.future.date),
        )
    ]
    assert not Attendance.objects.exists()


def test_activity_shows_its_attendance_rate(act, api, reg):  # noqa: F811
    services.attendance_save(
        actor=act.world.facilitator_a,
        session=act.session_1,
        marks={reg.head_a.pk: True, reg.child_a.pk: True, reg.daughter_a.pk: False},
    )
    body = api(act.world.facilitator_a).get(f"/api/v1/activities/{act.activity.pk}/").json()
    assert (body["attended"], body["expected"]) == (2, 3)
    assert body["attendance_rate"] == pytest.approx(2 / 3)
    listing = api(act.world.facilitator_a).get("/api/v1/activities/").json()["results"][0]
    assert listing["attendance_rate"] == pytest.approx(2 / 3)
    enrolments = api(act.world.facilitator_a).get("/api/v1/enrolments/", {"activity": act.activity.pk}).json()
    rates = {e["person"]: e["attendance_rate"] for e in enrolments["results"]}
    assert rates == {reg.head_a.pk: 1.0, reg.child_a.pk: 1.0, reg.daughter_a.pk: 0.0}


def test_enrol_and_leave_through_the_api(act, api, reg):  # noqa: F811
    client = api(act.world.facilitator_a)
    enrolment = Enrolment.objects.get(activity=act.activity, person=reg.child_a)
    left = client.post(f"/api/v1/enrolments/{enrolment.pk}/leave/", {}, format="json")
    assert left.status_code == 200 and left.json() == {"removed": True, "enrolment": None}
    response = client.post(
        "/api/v1/enrolments/", {"activity": act.activity.pk, "person": reg.child_a.pk}, format="json"
    )
    assert response.status_code == 201
    again = client.post(
        "/api/v1/enrolments/", {"activity": act.activity.pk, "person": reg.child_a.pk}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["person"] == [
        tr("%(name)s is already enrolled in this activity.", name=reg.child_a.full_name)
    ]
    services.attendance_save(
        actor=act.world.facilitator_a, session=act.session_1, marks={reg.child_a.pk: True}
    )
    new = Enrolment.objects.get(activity=act.activity, person=reg.child_a)
    left = client.post(f"/api/v1/enrolments/{new.pk}/leave/", {"on": act.today.isoformat()}, format="json")
    assert left.status_code == 200
    assert left.json()["removed"] is False and left.json()["enrolment"]["left_on"] == act.today.isoformat()


def test_enrolling_a_resident_of_another_office_is_a_404(act, api, reg):  # noqa: F811
    response = api(act.world.facilitator_a).post(
        "/api/v1/enrolments/", {"activity": act.activity.pk, "person": reg.head_b.pk}, format="json"
    )
    assert response.status_code == 404
    assert not Enrolment.objects.filter(activity=act.activity, person=reg.head_b).exists()


def test_stale_activity_update_is_a_409(act, api):  # noqa: F811
    client = api(act.world.facilitator_a)
    version = client.get(f"/api/v1/activities/{act.activity.pk}/").json()["version"]
    ok = client.patch(
        f"/api/v1/activities/{act.activity.pk}/", {"place": "مسجد", "version": version}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["place"] == "مسجد"
    stale = client.patch(
        f"/api/v1/activities/{act.activity.pk}/", {"place": "x", "version": version}, format="json"
    )
    assert stale.status_code == 409


def test_session_list_filters_by_activity(act, api):  # noqa: F811
    body = api(act.world.facilitator_a).get("/api/v1/sessions/", {"activity": act.activity.pk}).json()
    assert {s["id"] for s in body["results"]} == {act.session_1.pk, act.session_2.pk, act.future.pk}
    assert Session.objects.count() == 4


def test_session_times_in_the_api_are_iso(act, api):  # noqa: F811
    body = api(act.world.facilitator_a).get(f"/api/v1/sessions/{act.session_1.pk}/").json()
    assert body["date"] == act.session_1.date.isoformat()
    assert datetime.time.fromisoformat(body["end_time"]).replace(tzinfo=None) == datetime.time(17, 30)
