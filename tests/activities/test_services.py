"""Activity services: who may do what, bad input refused with nothing half-saved, attendance upserts
that never double a row, and the attendance rates."""

import datetime
import importlib
import threading

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import translation

from mahalleh.activities import selectors, services
from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
from mahalleh.audit.models import AuditEntry
from mahalleh.core.services import version_token
from mahalleh.registry import services as registry_services
from mahalleh.registry.models import Person
from tests.activities.conftest import days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked by their English msgid (the UI default is Persian)."""
    with translation.override("en"):
        yield


def messages_of(exc: ValidationError, field: str | None = None) -> list[str]:
    if field is None:
        return [str(m) for m in exc.value.messages]
    return [str(m) for m in exc.value.message_dict[field]]


def rows(session) -> dict[int, bool]:
    return dict(Attendance.objects.filter(session=session).values_list("person_id", "present"))


# --------------------------------------------------------------------------- activities


def test_activity_belongs_to_the_office_of_the_facilitator_who_creates_it(act):
    assert act.activity.office == act.world.office_a
    assert act.activity.age_groups == ["child", "adolescent"]
    entry = AuditEntry.objects.filter(object_type="activity", object_id=str(act.activity.pk)).get()
    assert entry.action == "create" and entry.office_id == act.world.office_a.pk


@pytest.mark.parametrize("who", ["coordinator", "admin", "analyst", "pr_a", "partner_user"])
def test_roles_outside_the_office_staff_cannot_create_activities(act, who, today):
    with pytest.raises(PermissionDenied):
        services.activity_create(
            actor=getattr(act.world, who),
            kind=Activity.Kind.CLASS,
            title="x",
            facilitator=act.world.facilitator_a,
            starts_on=today,
        )


def test_the_responsible_facilitator_must_be_on_the_staff_of_the_office(act, today):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            actor=act.world.facilitator_a,
            kind=Activity.Kind.CLASS,
            title="کلاس",
            facilitator=act.world.facilitator_b,
            starts_on=today,
        )
    assert "facilitator" in exc.value.message_dict
    assert Activity.objects.filter(title="کلاس").count() == 0


def test_activity_ending_before_it_starts_is_refused_at_the_end_date(act, today):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            actor=act.world.facilitator_a,
            kind=Activity.Kind.SPORT,
            title="ورزش",
            facilitator=act.world.facilitator_a,
            starts_on=today,
            ends_on=today - days(1),
        )
    assert messages_of(exc, "ends_on") == ["The end date is before the start date."]


def test_unknown_age_group_is_refused(act, today):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            actor=act.world.facilitator_a,
            kind=Activity.Kind.SPORT,
            title="ورزش",
            facilitator=act.world.facilitator_a,
            starts_on=today,
            age_groups=["teenager"],
        )
    assert "age_groups" in exc.value.message_dict


def test_activity_update_on_stale_data_is_refused(act):
    version = version_token(act.activity)
    services.activity_update(actor=act.world.manager_a, activity=act.activity, version=version, place="مسجد")
    with pytest.raises(ValidationError) as exc:
        services.activity_update(
            actor=act.world.facilitator_a, activity=act.activity, version=version, place="x"
        )
    assert exc.value.code == "stale"
    act.activity.refresh_from_db()
    assert act.activity.place == "مسجد"


def test_activity_dates_cannot_leave_a_session_outside(act, today):
    with pytest.raises(ValidationError) as exc:
        services.activity_update(actor=act.world.facilitator_a, activity=act.activity, ends_on=today)
    assert "1 session is outside these dates" in messages_of(exc)[0]


def test_staff_of_another_office_cannot_change_the_activity(act):
    with pytest.raises(PermissionDenied):
        services.activity_update(actor=act.world.facilitator_b, activity=act.activity, place="x")


# --------------------------------------------------------------------------- enrolments


def test_enrolling_a_resident_of_another_office_is_refused_and_nothing_is_saved(act):
    with pytest.raises(ValidationError) as exc:
        services.enrol(actor=act.world.facilitator_a, activity=act.activity, person=act.reg.head_b)
    assert messages_of(exc, "person") == ["This resident is not in your office."]
    assert exc.value.error_dict["person"][0].code == "out_of_scope"
    assert not Enrolment.objects.filter(person=act.reg.head_b, activity=act.activity).exists()


def test_enrolling_the_same_resident_twice_is_refused(act):
    with pytest.raises(ValidationError) as exc:
        services.enrol(actor=act.world.facilitator_a, activity=act.activity, person=act.reg.child_a)
    assert "already enrolled" in messages_of(exc, "person")[0]
    assert Enrolment.objects.filter(person=act.reg.child_a, activity=act.activity).count() == 1


def test_a_deceased_resident_cannot_be_enrolled(act, today):
    fa = act.world.facilitator_a
    services.unenrol(actor=fa, enrolment=Enrolment.objects.get(person=act.reg.head_a))
    registry_services.person_set_status(
        actor=fa, person=act.reg.head_a, status=Person.Status.DECEASED, on=today
    )
    with pytest.raises(ValidationError) as exc:
        services.enrol(actor=fa, activity=act.activity, person=act.reg.head_a)
    assert messages_of(exc, "person") == ["This resident is recorded as deceased."]


def test_unenrol_without_attendance_removes_the_enrolment(act):
    enrolment = Enrolment.objects.get(person=act.reg.child_a)
    assert services.unenrol(actor=act.world.facilitator_a, enrolment=enrolment) is None
    assert not Enrolment.objects.filter(pk=enrolment.pk).exists()


def test_unenrol_after_attendance_keeps_the_history_with_the_day_they_left(act, today):
    fa = act.world.facilitator_a
    services.attendance_save(actor=fa, session=act.session_1, marks={act.reg.child_a.pk: True})
    enrolment = Enrolment.objects.get(person=act.reg.child_a)
    kept = services.unenrol(actor=fa, enrolment=enrolment, on=today - days(10))
    assert kept.left_on == today - days(10)
    # Back again later: the same enrolment, active again.
    again = services.enrol(actor=fa, activity=act.activity, person=act.reg.child_a)
    assert again.pk == enrolment.pk and again.left_on is None


def test_unenrol_before_a_session_they_attended_is_refused(act, today):
    fa = act.world.facilitator_a
    services.attendance_save(actor=fa, session=act.session_2, marks={act.reg.child_a.pk: True})
    with pytest.raises(ValidationError) as exc:
        services.unenrol(
            actor=fa, enrolment=Enrolment.objects.get(person=act.reg.child_a), on=today - days(10)
        )
    assert "present at the session" in messages_of(exc, "on")[0]
    assert Enrolment.objects.get(person=act.reg.child_a).left_on is None


# --------------------------------------------------------------------------- sessions


def test_a_session_must_end_after_it_starts(act, today):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            actor=act.world.facilitator_a,
            activity=act.activity,
            date=today,
            start_time=datetime.time(16, 0),
            end_time=datetime.time(15, 0),
        )
    assert messages_of(exc, "end_time") == ["The session must end after it starts."]


def test_a_session_outside_the_activity_dates_is_refused(act, today):
    with pytest.raises(ValidationError) as exc:
        services.session_create(actor=act.world.facilitator_a, activity=act.activity, date=today - days(31))
    assert "starts on" in messages_of(exc, "date")[0]
    with pytest.raises(ValidationError) as exc:
        services.session_create(actor=act.world.facilitator_a, activity=act.activity, date=today + days(61))
    assert "ends on" in messages_of(exc, "date")[0]


def test_the_date_in_a_session_error_is_jalali_with_persian_digits(act, today):
    with translation.override("fa"), pytest.raises(ValidationError) as exc:
        services.session_create(actor=act.world.facilitator_a, activity=act.activity, date=today - days(31))
    with translation.override("fa"):
        text = messages_of(exc, "date")[0]
    assert "۱۴" in text and "2026" not in text and "1405" not in text


def test_the_same_session_twice_is_refused(act):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            actor=act.world.facilitator_a,
            activity=act.activity,
            date=act.session_2.date,
            start_time=datetime.time(16, 0),
        )
    assert "already has a session" in messages_of(exc, "date")[0]
    assert Session.objects.filter(activity=act.activity, date=act.session_2.date).count() == 1


def test_a_session_with_attendance_cannot_be_removed(act):
    fa = act.world.facilitator_a
    services.attendance_save(actor=fa, session=act.session_1, marks={act.reg.child_a.pk: True})
    with pytest.raises(ValidationError):
        services.session_delete(actor=fa, session=act.session_1)
    services.session_delete(actor=fa, session=act.future)
    assert not Session.objects.filter(pk=act.future.pk).exists()


# --------------------------------------------------------------------------- attendance


def test_attendance_save_is_idempotent(act):
    fa = act.world.facilitator_a
    marks = {p.pk: p != act.reg.head_a for p in act.enrolled}
    first = services.attendance_save(actor=fa, session=act.session_1, marks=marks)
    second = services.attendance_save(actor=fa, session=act.session_1, marks=marks)
    assert first == second == {"present": 2, "absent": 1, "walk_ins": 0}
    assert Attendance.objects.filter(session=act.session_1).count() == 3
    assert rows(act.session_1) == marks


def test_attendance_save_updates_a_mark_in_place(act):
    fa = act.world.facilitator_a
    services.attendance_save(actor=fa, session=act.session_1, marks={act.reg.child_a.pk: True})
    before = Attendance.objects.get(session=act.session_1, person=act.reg.child_a)
    services.attendance_save(
        actor=act.world.manager_a, session=act.session_1, marks={act.reg.child_a.pk: False}
    )
    after = Attendance.objects.get(session=act.session_1, person=act.reg.child_a)
    assert after.pk == before.pk and after.present is False
    assert after.recorded_by == act.world.manager_a


def test_a_row_written_by_another_save_between_check_and_write_is_updated_not_doubled(act, monkeypatch):
    """Two saves at once: the other one inserts its row after we read the roster, before we write."""
    fa = act.world.facilitator_a
    real = services._roster_ids

    def roster_then_conflict(session):
        ids = real(session)
        Attendance.objects.create(session=session, person=act.reg.child_a, present=False, recorded_by=fa)
        return ids

    monkeypatch.setattr(services, "_roster_ids", roster_then_conflict)
    services.attendance_save(actor=fa, session=act.session_1, marks={act.reg.child_a.pk: True})
    assert list(Attendance.objects.filter(session=act.session_1).values_list("person_id", "present")) == [
        (act.reg.child_a.pk, True)
    ]


@pytest.fixture
def committed(transactional_db):
    """Rows committed for real, so a second connection sees them. The harm taxonomy is seeded again:
    an earlier browser test's flush may have emptied it (the registry fixtures need it)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: two connections cannot race here")
    seed = importlib.import_module("mahalleh.registry.migrations.0002_search_and_seed").seed
    seed(apps, None)


def test_two_saves_at_once_from_two_connections_make_one_row(committed, act):
    fa = act.world.facilitator_a
    barrier = threading.Barrier(2)
    errors = []

    def save(present):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                services.attendance_save(
                    actor=fa, session=act.session_1, marks={p.pk: present for p in act.enrolled}
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(v,)) for v in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Attendance.objects.filter(session=act.session_1).count() == 3
    assert len(set(rows(act.session_1).values())) == 1  # one save won, whole


def test_attendance_for_a_resident_of_another_office_is_refused_and_nothing_is_saved(act):
    marks = {act.reg.child_a.pk: True, act.reg.head_b.pk: True}
    with pytest.raises(ValidationError) as exc:
        services.attendance_save(actor=act.world.facilitator_a, session=act.session_1, marks=marks)
    assert "not in your office" in messages_of(exc, "person")[0]
    assert "Nothing was saved" in messages_of(exc, "person")[0]
    assert Attendance.objects.filter(session=act.session_1).count() == 0


def test_a_walk_in_from_another_office_is_refused(act):
    with pytest.raises(ValidationError) as exc:
        services.attendance_save(
            actor=act.world.facilitator_a, session=act.session_1, walk_ins=[act.reg.head_b.pk]
        )
    assert messages_of(exc, "person") == ["This resident is not in your office."]
    assert not Attendance.objects.exists()


def test_an_id_that_is_no_resident_is_refused(act):
    with pytest.raises(ValidationError):
        services.attendance_save(actor=act.world.facilitator_a, session=act.session_1, marks={999999: True})
    with pytest.raises(ValidationError):
        services.attendance_save(actor=act.world.facilitator_a, session=act.session_1, marks={"abc": True})
    assert not Attendance.objects.exists()


def test_attendance_for_a_session_in_the_future_is_refused(act):
    with pytest.raises(ValidationError) as exc:
        services.attendance_save(
            actor=act.world.facilitator_a, session=act.future, marks={act.reg.child_a.pk: True}
        )
    assert exc.value.code == "future"
    assert "in the future" in messages_of(exc)[0]
    assert not Attendance.objects.filter(session=act.future).exists()


def test_attendance_of_today_is_allowed(act, today):
    session = services.session_create(actor=act.world.facilitator_a, activity=act.activity, date=today)
    services.attendance_save(actor=act.world.facilitator_a, session=session, marks={act.reg.child_a.pk: True})
    assert rows(session) == {act.reg.child_a.pk: True}


def test_the_coordinator_reads_but_cannot_take_attendance(act):
    with pytest.raises(PermissionDenied):
        services.attendance_save(
            actor=act.world.coordinator, session=act.session_1, marks={act.reg.child_a.pk: True}
        )


def test_a_walk_in_is_marked_present_and_flagged(act, reg):
    fa = act.world.facilitator_a
    services.unenrol(actor=fa, enrolment=Enrolment.objects.get(person=reg.daughter_a))
    summary = services.attendance_save(
        actor=fa, session=act.session_1, marks={reg.child_a.pk: True}, walk_ins=[reg.daughter_a.pk]
    )
    assert summary == {"present": 2, "absent": 0, "walk_ins": 1}
    mark = Attendance.objects.get(session=act.session_1, person=reg.daughter_a)
    assert mark.present and mark.walk_in
    assert not Attendance.objects.get(session=act.session_1, person=reg.child_a).walk_in


def test_attendance_save_is_audited_with_the_office(act):
    services.attendance_save(
        actor=act.world.facilitator_a, session=act.session_1, marks={act.reg.child_a.pk: True}
    )
    entry = AuditEntry.objects.filter(object_type="session", object_id=str(act.session_1.pk)).latest("pk")
    assert entry.changes == {"attendance": {"present": 1, "absent": 0, "walk_ins": 0}}
    assert entry.office_id == act.world.office_a.pk


# --------------------------------------------------------------------------- rates


def test_attendance_rate_is_present_marks_over_sessions_held_times_enrolled(act):
    fa, r = act.world.facilitator_a, act.reg
    services.attendance_save(
        actor=fa, session=act.session_1, marks={r.head_a.pk: True, r.child_a.pk: True, r.daughter_a.pk: False}
    )
    services.attendance_save(
        actor=fa,
        session=act.session_2,
        marks={r.head_a.pk: True, r.child_a.pk: False, r.daughter_a.pk: False},
    )
    rate = selectors.activity_rate(act.activity)
    assert (rate.attended, rate.expected) == (3, 6)
    assert rate.percent == 50


def test_a_session_without_attendance_and_a_future_one_do_not_count(act):
    fa = act.world.facilitator_a
    services.attendance_save(actor=fa, session=act.session_1, marks={p.pk: True for p in act.enrolled})
    rate = selectors.activity_rate(act.activity)
    assert (rate.attended, rate.expected) == (3, 3)  # session 2 not taken, the future one not held


def test_an_unsaved_enrolled_resident_counts_as_absent_at_a_held_session(act):
    services.attendance_save(
        actor=act.world.facilitator_a, session=act.session_1, marks={act.reg.child_a.pk: True}
    )
    rate = selectors.activity_rate(act.activity)
    assert (rate.attended, rate.expected) == (1, 3)


def test_walk_ins_do_not_change_the_rate_and_dropouts_count_until_they_left(act, reg, today):
    fa = act.world.facilitator_a
    services.attendance_save(actor=fa, session=act.session_1, marks={p.pk: True for p in act.enrolled})
    # The daughter leaves after session 1; at session 2 someone not enrolled walks in.
    services.unenrol(actor=fa, enrolment=Enrolment.objects.get(person=reg.daughter_a), on=today - days(10))
    person = registry_services.person_create(
        actor=fa,
        household=reg.household_a,
        id_type=Person.IdType.NONE,
        first_name="نرگس",
        last_name="احمدی",
        sex=Person.Sex.FEMALE,
        birth_date=datetime.date(2012, 1, 1),
        relation=Person.Relation.CHILD,
    )
    services.attendance_save(
        actor=fa,
        session=act.session_2,
        marks={reg.head_a.pk: True, reg.child_a.pk: False},
        walk_ins=[person.pk],
    )
    rate = selectors.activity_rate(act.activity)
    assert (rate.attended, rate.expected) == (4, 5)  # 3 + 1 present of 3 + 2 places


def test_person_rate_follows_their_own_marks(act):
    fa, r = act.world.facilitator_a, act.reg
    services.attendance_save(actor=fa, session=act.session_1, marks={r.child_a.pk: True, r.head_a.pk: True})
    services.attendance_save(actor=fa, session=act.session_2, marks={r.child_a.pk: False, r.head_a.pk: True})
    child = selectors.person_rate(user=fa, person=r.child_a)
    assert (child.attended, child.expected, child.percent) == (1, 2, 50)
    head = selectors.person_rate(user=fa, person=r.head_a)
    assert head.percent == 100


def test_rate_is_none_before_any_session_is_held(act):
    assert selectors.activity_rate(act.activity).percent is None
    assert selectors.activity_rate(act.activity).value is None
