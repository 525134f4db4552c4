"""Every read of activities, enrolments, sessions and attendance goes through here, scoped by the user.

Activities hold personal data (who attends what), so only the roles that may read the registry
reach them: an office's staff see their office's activities, a province coordinator those of the
province, the national admin all of them. Everyone else gets nothing (their pages answer 404).

Attendance rates
----------------
A session is *held* once attendance has been taken for it (it has at least one mark) and its
date is not in the future: a past session nobody recorded is missing data, not a room of absentees.

A person is *on the roster* of a session when they are enrolled in its activity and had not left
before the session's date (``left_on`` empty or after the date), and either were enrolled by then
or have a mark in that session (people are often entered into Mahalleh after they started coming).

    rate = present marks of roster members / roster places of the held sessions

which is "present marks / (sessions held × enrolled)" with drop-outs and late joiners counted only
for the sessions they belonged to. Walk-ins (present, not enrolled) are counted apart.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mahalleh.accounts.models import Role, User
from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
from mahalleh.core.scoping import NOTHING, office_q, resident_q
from mahalleh.core.selectors import narrowed
from mahalleh.registry.selectors import AGE_GROUPS, can_edit_registry, can_read_registry

#: Roles that may be the responsible facilitator of an activity.
STAFF_ROLES = (Role.OFFICE_MANAGER, Role.FACILITATOR)
_FAR_FUTURE = datetime.date(9999, 12, 31)


def can_read_activities(user) -> bool:
    return can_read_registry(user)


def can_edit_activities(user) -> bool:
    """Office managers and facilitators run their office's activities; the others only read."""
    return can_edit_registry(user) and bool(user.office_id)


def can_edit_activity(user, activity: Activity) -> bool:
    return can_edit_activities(user) and activity.office_id == user.office_id


def _scope(user, prefix: str = "") -> Q:
    if not can_read_activities(user):
        return NOTHING
    return office_q(user, f"{prefix}office__")


def _today() -> datetime.date:
    return timezone.localdate()


def _count(qs) -> Subquery:
    """The number of rows of a correlated subquery, as an integer expression (0 when none)."""
    return Coalesce(
        Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


# --------------------------------------------------------------------------- activities


def activity_list(
    *, user, kind: str | None = None, state: str | None = None, office=None, on: datetime.date | None = None
) -> QuerySet[Activity]:
    """The activities the user may see. ``state`` is "current" (not finished yet, upcoming included)
    or "finished" (ended before ``on``, today by default)."""
    on = on or _today()
    qs = Activity.objects.filter(_scope(user)).select_related("office", "facilitator", "partner")
    qs = narrowed(qs, kind=kind or None)
    if state == "current":
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    elif state == "finished":
        qs = qs.filter(ends_on__lt=on)
    qs = narrowed(qs, office=office)
    # Correlated counts, not JOIN + COUNT(DISTINCT): enrolments × sessions rows add up fast.
    return qs.annotate(
        enrolled_count=_count(Enrolment.objects.filter(activity=OuterRef("pk"), left_on__isnull=True)),
        sessions_count=_count(Session.objects.filter(activity=OuterRef("pk"))),
    )


def activity_get(*, user, pk) -> Activity:
    return get_object_or_404(activity_list(user=user), pk=pk)


def facilitator_choices(*, office) -> QuerySet[User]:
    """Staff of the office who may be responsible for one of its activities."""
    return User.objects.filter(office=office, role__in=STAFF_ROLES, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def partner_choices(*, office) -> QuerySet:
    """National partner organisations and those of the office's province."""
    # The partner model is the referrals app's; an activity names it through its foreign key
    # (siblings do not import each other).
    partner = Activity._meta.get_field("partner").related_model
    return partner.objects.filter(Q(province__isnull=True) | Q(province_id=office.county.province_id))


# --------------------------------------------------------------------------- enrolments


def _held(sessions: QuerySet[Session], today: datetime.date) -> QuerySet[Session]:
    return sessions.filter(date__lte=today).filter(Exists(Attendance.objects.filter(session=OuterRef("pk"))))


def with_attendance(
    enrolments: QuerySet[Enrolment], today: datetime.date | None = None
) -> QuerySet[Enrolment]:
    """Annotate each enrolment with ``expected`` (held sessions the person was on the roster of) and
    ``attended`` (of those, the ones they were marked present at)."""
    today = today or _today()
    left = Coalesce(OuterRef("left_on"), Value(_FAR_FUTURE), output_field=DateField())
    expected = _held(Session.objects.filter(activity=OuterRef("activity"), date__lt=left), today).filter(
        Q(date__gte=OuterRef("enrolled_on"))
        | Q(Exists(Attendance.objects.filter(session=OuterRef("pk"), person=OuterRef(OuterRef("person")))))
    )
    attended = Attendance.objects.filter(
        session__activity=OuterRef("activity"),
        person=OuterRef("person"),
        present=True,
        session__date__lte=today,
        session__date__lt=left,
    )
    return enrolments.annotate(expected=_count(expected), attended=_count(attended))


def enrolment_list(*, user, activity=None, person=None, household=None, active: bool | None = None):
    qs = Enrolment.objects.filter(_scope(user, "activity__")).select_related(
        "activity", "person__household__neighbourhood"
    )
    # The person must be visible too (a resident who moved to another office's area is theirs now).
    qs = qs.filter(_person_scope(user))
    return narrowed(qs, activity=activity, person=person, person__household=household, left_on__isnull=active)


def enrolment_get(*, user, pk) -> Enrolment:
    return get_object_or_404(enrolment_list(user=user), pk=pk)


def _person_scope(user) -> Q:
    if not can_read_activities(user):
        return NOTHING
    return resident_q(user, "person__")


@dataclass(frozen=True)
class Rate:
    attended: int
    expected: int

    @property
    def percent(self) -> int | None:
        """Whole percent, or None when nothing was expected yet (shown as a dash)."""
        if not self.expected:
            return None
        return round(100 * self.attended / self.expected)

    @property
    def value(self) -> float | None:
        return None if not self.expected else self.attended / self.expected


def activity_rates(activity_ids, today: datetime.date | None = None) -> dict[int, Rate]:
    """{activity id: Rate} over every enrolment of these activities (see the module's docstring)."""
    totals: dict[int, list[int]] = {}
    rows = with_attendance(Enrolment.objects.filter(activity_id__in=list(activity_ids)), today).values_list(
        "activity_id", "attended", "expected"
    )
    for activity_id, attended, expected in rows:
        t = totals.setdefault(activity_id, [0, 0])
        t[0] += attended
        t[1] += expected
    return {pk: Rate(*totals.get(pk, (0, 0))) for pk in activity_ids}


def activity_rate(activity: Activity, today: datetime.date | None = None) -> Rate:
    return activity_rates([activity.pk], today)[activity.pk]


def person_rate(*, user, person, today: datetime.date | None = None) -> Rate:
    """A resident's attendance over all the activities they were enrolled in."""
    rows = with_attendance(enrolment_list(user=user, person=person), today).values_list(
        "attended", "expected"
    )
    return Rate(sum(r[0] for r in rows), sum(r[1] for r in rows))


# --------------------------------------------------------------------------- sessions


def session_list(*, user, activity=None, today: datetime.date | None = None) -> QuerySet[Session]:
    today = today or _today()
    qs = Session.objects.filter(_scope(user, "activity__")).select_related("activity__office")
    return narrowed(qs, activity=activity).annotate(
        present_count=_count(Attendance.objects.filter(session=OuterRef("pk"), present=True)),
        marked_count=_count(Attendance.objects.filter(session=OuterRef("pk"))),
    )


def session_get(*, user, pk) -> Session:
    return get_object_or_404(session_list(user=user), pk=pk)


def roster(session: Session) -> QuerySet[Enrolment]:
    """Enrolments shown on the session's attendance sheet: everyone enrolled who had not left
    before the session's date."""
    return (
        Enrolment.objects.filter(activity_id=session.activity_id)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=session.date))
        .select_related("person__household__neighbourhood")
    )


@dataclass
class Mark:
    """One line of the attendance sheet."""

    person: object
    present: bool  # what the sheet shows (present by default)
    saved: Attendance | None  # the stored mark, if any
    enrolled: bool

    @property
    def walk_in(self) -> bool:
        return not self.enrolled


def attendance_sheet(session: Session) -> list[Mark]:
    """The roster with each person's mark (present by default), then the walk-ins."""
    marks = {
        a.person_id: a
        for a in Attendance.objects.filter(session=session).select_related("person__household__neighbourhood")
    }
    lines = []
    for enrolment in roster(session):
        saved = marks.pop(enrolment.person_id, None)
        lines.append(Mark(enrolment.person, saved.present if saved else True, saved, True))
    for saved in sorted(marks.values(), key=lambda a: (a.person.last_name, a.person.first_name)):
        lines.append(Mark(saved.person, saved.present, saved, False))
    return lines


def attendance_list(*, user, session=None, person=None) -> QuerySet[Attendance]:
    qs = Attendance.objects.filter(_scope(user, "session__activity__")).select_related("session", "person")
    return narrowed(qs, session=session, person=person)


# --------------------------------------------------------------------------- target groups


def in_target_group(activity: Activity, person, on: datetime.date | None = None) -> bool:
    """Whether the person fits the activity's sex and age groups (a hint; nobody is turned away)."""
    if activity.sex != Activity.Sex.ANY and person.sex != activity.sex:
        return False
    if not activity.age_groups or person.birth_date is None:
        return True
    on = on or _today()
    b = person.birth_date
    age = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
    return any(AGE_GROUPS[g][0] <= age <= AGE_GROUPS[g][1] for g in activity.age_groups if g in AGE_GROUPS)


# --------------------------------------------------------------------------- counts for reports
# Rows to be counted by office (``.values("office_id").annotate(Count(...))``), never shown: the
# user's place scope from ``core.scoping`` for every staff role, the aggregate-only ones (national
# analyst, PR officer) included, since a count by office carries no personal data. Partner users
# and inactive accounts get nothing.


def activity_counted(*, user) -> QuerySet[Activity]:
    """Activities of the offices in the user's scope, to count (by ``office_id``)."""
    return Activity.objects.filter(office_q(user, "office__")).order_by()


def session_counted(*, user) -> QuerySet[Session]:
    """Sessions of those activities, to count (by ``activity__office_id``)."""
    return Session.objects.filter(office_q(user, "activity__office__")).order_by()


def attendance_counted(*, user) -> QuerySet[Attendance]:
    """Attendance marks of those sessions, to count (by ``session__activity__office_id``)."""
    return Attendance.objects.filter(office_q(user, "session__activity__office__")).order_by()
