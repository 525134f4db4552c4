"""Every write to activities, enrolments, sessions and attendance goes through here, and is audited.

Office managers and facilitators run the activities of their own office; the province coordinator
and the national admin read them but change nothing. A refused write raises ``ValidationError``
(the message names the field) or ``PermissionDenied``, and leaves nothing half-saved.
"""

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from mahalleh.activities import selectors
from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
from mahalleh.audit.services import audit_record, audited_create, diff
from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import clean_text, localized_digits
from mahalleh.core.services import locked_fresh, require
from mahalleh.registry.models import Person
from mahalleh.registry.selectors import AGE_GROUPS, person_list

ACTIVITY_FIELDS = (
    "kind",
    "title",
    "description",
    "age_groups",
    "sex",
    "partner",
    "facilitator",
    "place",
    "starts_on",
    "ends_on",
)
SESSION_FIELDS = ("date", "start_time", "end_time", "topic", "note")

OUT_OF_SCOPE = _("This resident is not in your office.")


def _today() -> datetime.date:
    return timezone.localdate()


def _shown(d: datetime.date) -> str:
    """A date in an error message: Jalali, with Persian digits in the Persian UI."""
    return localized_digits(format_jalali(d, persian_digits=False))


def _place(activity: Activity) -> dict:
    """The office and province of audit entries about an activity's sessions and attendance."""
    return {"office_id": activity.office_id, "province_id": activity.office.county.province_id}


# --------------------------------------------------------------------------- activities


def _clean_activity(office, data: dict) -> dict:
    """Tidy what was typed and check it against the rules; every error names its field."""
    out = dict(data)
    errors: dict[str, list] = {}
    for name in ("title", "place"):
        if name in out:
            out[name] = clean_text(out[name] or "")
    if "description" in out:
        out["description"] = clean_text(out["description"] or "", multiline=True)
    if not out.get("title"):
        errors["title"] = [_("Enter a title.")]
    if out.get("kind") not in Activity.Kind.values:
        errors["kind"] = [_("Choose the kind of activity.")]
    if out.get("sex", Activity.Sex.ANY) not in Activity.Sex.values:
        errors["sex"] = [_("Choose who the activity is for.")]
    groups = list(out.get("age_groups") or [])
    if any(g not in AGE_GROUPS for g in groups):
        errors["age_groups"] = [_("Unknown age group.")]
    # Stored in the order of DESIGN §2, without repeats.
    out["age_groups"] = [g for g in AGE_GROUPS if g in groups]
    facilitator = out.get("facilitator")
    if facilitator is None:
        errors["facilitator"] = [_("Choose the responsible facilitator.")]
    elif not selectors.facilitator_choices(office=office).filter(pk=facilitator.pk).exists():
        errors["facilitator"] = [_("The responsible facilitator must be on the staff of this office.")]
    partner = out.get("partner")
    if partner is not None and not selectors.partner_choices(office=office).filter(pk=partner.pk).exists():
        errors["partner"] = [_("This partner organisation does not work in this province.")]
    starts, ends = out.get("starts_on"), out.get("ends_on")
    if starts is None:
        errors["starts_on"] = [_("Enter the start date.")]
    elif ends is not None and ends < starts:
        errors["ends_on"] = [_("The end date is before the start date.")]
    if errors:
        raise ValidationError(errors)
    return out


def _check_sessions_within(activity: Activity) -> None:
    """Changing an activity's dates must not leave any of its sessions outside them."""
    outside = activity.sessions.filter(date__lt=activity.starts_on)
    if activity.ends_on is not None:
        outside = outside | activity.sessions.filter(date__gt=activity.ends_on)
    n = outside.count()
    if n:
        raise ValidationError(
            ngettext_lazy(
                "%(n)s session is outside these dates: move or remove it first.",
                "%(n)s sessions are outside these dates: move or remove them first.",
                "count",
            )
            % {"count": n, "n": localized_digits(n)},
            code="sessions_outside",
        )


@transaction.atomic
def activity_create(
    *,
    actor,
    kind: str,
    title: str,
    facilitator,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    description: str = "",
    age_groups: Iterable[str] = (),
    sex: str = Activity.Sex.ANY,
    partner=None,
    place: str = "",
    via: str = "web",
) -> Activity:
    """A new activity of the actor's own office."""
    require(selectors.can_edit_activities(actor))
    office = actor.office
    data = _clean_activity(
        office,
        {
            "kind": kind,
            "title": title,
            "description": description,
            "age_groups": list(age_groups),
            "sex": sex,
            "partner": partner,
            "facilitator": facilitator,
            "place": place,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    return audited_create(Activity(office=office, **data), actor=actor, values=_plain(data), via=via)


@transaction.atomic
def activity_update(*, actor, activity: Activity, version: str | None = None, via: str = "web", **fields):
    """Change an activity of the actor's office; refused if someone changed it since ``version``."""
    activity = locked_fresh(activity, version, "office")
    require(selectors.can_edit_activity(actor, activity))
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    before = {k: getattr(activity, k) for k in ACTIVITY_FIELDS}
    data = _clean_activity(activity.office, {**before, **fields})
    for key, value in data.items():
        setattr(activity, key, value)
    activity.full_clean()
    _check_sessions_within(activity)
    activity.save()
    audit_record(
        user=actor, action="update", obj=activity, changes=diff(_plain(before), _plain(data)), via=via
    )
    return activity


def _as_text(data: dict) -> dict:
    """A session's values for the audit trail: dates and times as text."""
    return {k: str(v) if v is not None else None for k, v in data.items()}


def _plain(data: dict) -> dict:
    """JSON-safe values for the audit trail (ids for related records)."""
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}


# --------------------------------------------------------------------------- enrolments


def _out_of_scope(message) -> ValidationError:
    return ValidationError({"person": [ValidationError(message, code="out_of_scope")]})


def _require_in_scope(actor, person_ids: Iterable[int]) -> set[int]:
    """The ids, as ints, if every one is a resident the actor may see; refused otherwise."""
    ids = set()
    for pid in person_ids:
        try:
            ids.add(int(pid))
        except (TypeError, ValueError):
            raise _out_of_scope(OUT_OF_SCOPE) from None
    if not ids:
        return ids
    found = set(person_list(user=actor).filter(pk__in=ids).values_list("pk", flat=True))
    missing = ids - found
    if missing:
        if len(ids) == 1:
            message = OUT_OF_SCOPE
        else:
            message = ngettext_lazy(
                "%(n)s of these residents is not in your office. Nothing was saved.",
                "%(n)s of these residents are not in your office. Nothing was saved.",
                "count",
            ) % {"count": len(missing), "n": localized_digits(len(missing))}
        raise _out_of_scope(message)
    return ids


def _already_enrolled(person) -> ValidationError:
    message = _("%(name)s is already enrolled in this activity.") % {"name": person.full_name}
    return ValidationError({"person": [ValidationError(message, code="duplicate")]})


@transaction.atomic
def enrol(
    *, actor, activity: Activity, person: Person, on: datetime.date | None = None, via: str = "web"
) -> Enrolment:
    """Enrol a resident of the actor's office in one of its activities (again, if they had left)."""
    activity = Activity.objects.select_for_update().select_related("office__county").get(pk=activity.pk)
    require(selectors.can_edit_activity(actor, activity))
    _require_in_scope(actor, [person.pk])
    person = Person.objects.get(pk=person.pk)
    if person.status == Person.Status.DECEASED:
        raise ValidationError({"person": [_("This resident is recorded as deceased.")]})
    if person.status == Person.Status.MOVED_AWAY:
        raise ValidationError({"person": [_("This resident is recorded as moved away.")]})
    today = _today()
    if on is None:
        on = min(today, activity.ends_on) if activity.ends_on else today
    if on > today:
        raise ValidationError({"on": [_("The date is in the future.")]})
    if activity.ends_on is not None and on > activity.ends_on:
        raise ValidationError(
            {"on": [_("The activity ended on %(date)s.") % {"date": _shown(activity.ends_on)}]}
        )
    existing = Enrolment.objects.select_for_update().filter(activity=activity, person=person).first()
    if existing is not None:
        if existing.left_on is None:
            raise _already_enrolled(person)
        left = existing.left_on.isoformat()
        existing.left_on = None
        existing.save(update_fields=["left_on"])
        audit_record(user=actor, action="update", obj=existing, changes={"left_on": [left, None]}, via=via)
        return existing
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                activity=activity, person=person, enrolled_on=on, enrolled_by=actor
            )
    except IntegrityError:
        # Someone enrolled the same person a moment ago (the unique constraint caught it).
        raise _already_enrolled(person) from None
    audit_record(
        user=actor, action="create", obj=enrolment, changes={"activity": [None, activity.pk]}, via=via
    )
    return enrolment


@transaction.atomic
def unenrol(
    *, actor, enrolment: Enrolment, on: datetime.date | None = None, via: str = "web"
) -> Enrolment | None:
    """Take a resident off an activity. With attendance recorded, the enrolment is kept with the day
    they left (their history and the rates stay right); without any, it was a mistake and is removed.
    Returns the enrolment, or None when it was removed."""
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("activity__office", "person__household__neighbourhood__county")
        .get(pk=enrolment.pk)
    )
    activity = enrolment.activity
    require(selectors.can_edit_activity(actor, activity))
    _require_in_scope(actor, [enrolment.person_id])
    marks = Attendance.objects.filter(session__activity=activity, person_id=enrolment.person_id)
    if not marks.exists():
        audit_record(user=actor, action="delete", obj=enrolment, via=via)
        enrolment.delete()
        return None
    if enrolment.left_on is not None:
        raise ValidationError({"on": [_("This resident has already left the activity.")]})
    on = on or _today()
    if on > _today():
        raise ValidationError({"on": [_("The date is in the future.")]})
    if on < enrolment.enrolled_on:
        raise ValidationError({"on": [_("The date is before the enrolment.")]})
    later = marks.filter(present=True, session__date__gte=on).order_by("-session__date").first()
    if later is not None:
        raise ValidationError(
            {
                "on": [
                    _("The resident was present at the session of %(date)s: choose a later date.")
                    % {"date": _shown(later.session.date)}
                ]
            }
        )
    enrolment.left_on = on
    enrolment.save(update_fields=["left_on"])
    audit_record(
        user=actor, action="update", obj=enrolment, changes={"left_on": [None, on.isoformat()]}, via=via
    )
    return enrolment


# --------------------------------------------------------------------------- sessions


def _clean_session(activity: Activity, data: dict, *, exclude_pk=None) -> dict:
    out = dict(data)
    out["topic"] = clean_text(out.get("topic") or "")
    out["note"] = clean_text(out.get("note") or "", multiline=True)
    errors: dict[str, list] = {}
    day = out.get("date")
    if day is None:
        errors["date"] = [_("Enter the date of the session.")]
    elif day < activity.starts_on:
        errors["date"] = [
            _("The activity starts on %(date)s: a session cannot be before it.")
            % {"date": _shown(activity.starts_on)}
        ]
    elif activity.ends_on is not None and day > activity.ends_on:
        errors["date"] = [
            _("The activity ends on %(date)s: a session cannot be after it.")
            % {"date": _shown(activity.ends_on)}
        ]
    start, end = out.get("start_time"), out.get("end_time")
    if end is not None and start is None:
        errors["start_time"] = [_("Enter the start time too.")]
    elif start is not None and end is not None and end <= start:
        errors["end_time"] = [_("The session must end after it starts.")]
    if not errors:
        same = Session.objects.filter(activity=activity, date=day, start_time=start).exclude(pk=exclude_pk)
        if same.exists():
            errors["date"] = [_("This activity already has a session at this date and time.")]
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def session_create(
    *,
    actor,
    activity: Activity,
    date: datetime.date,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    topic: str = "",
    note: str = "",
    via: str = "web",
) -> Session:
    # Locking the activity makes a double-clicked "add" wait for the first and then see its session.
    activity = Activity.objects.select_for_update().select_related("office__county").get(pk=activity.pk)
    require(selectors.can_edit_activity(actor, activity))
    data = _clean_session(
        activity, {"date": date, "start_time": start_time, "end_time": end_time, "topic": topic, "note": note}
    )
    session = Session(activity=activity, **data)
    session.full_clean()
    session.save()
    changes = diff({}, _as_text(data))
    audit_record(user=actor, action="create", obj=session, changes=changes, via=via, **_place(activity))
    return session


@transaction.atomic
def session_update(*, actor, session: Session, via: str = "web", **fields) -> Session:
    session = (
        Session.objects.select_for_update().select_related("activity__office__county").get(pk=session.pk)
    )
    activity = session.activity
    require(selectors.can_edit_activity(actor, activity))
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    before = {k: getattr(session, k) for k in SESSION_FIELDS}
    data = _clean_session(activity, {**before, **fields}, exclude_pk=session.pk)
    if data["date"] > _today() and session.attendance.exists():
        raise ValidationError(
            {"date": [_("Attendance was taken at this session: it cannot move to the future.")]}
        )
    for key, value in data.items():
        setattr(session, key, value)
    session.full_clean()
    session.save()
    changes = diff(_as_text(before), _as_text(data))
    audit_record(user=actor, action="update", obj=session, changes=changes, via=via, **_place(activity))
    return session


@transaction.atomic
def session_delete(*, actor, session: Session, via: str = "web") -> None:
    """Remove a session entered by mistake; one with attendance is kept."""
    session = (
        Session.objects.select_for_update().select_related("activity__office__county").get(pk=session.pk)
    )
    require(selectors.can_edit_activity(actor, session.activity))
    if session.attendance.exists():
        raise ValidationError(_("Attendance was taken at this session, so it cannot be removed."))
    audit_record(user=actor, action="delete", obj=session, via=via, **_place(session.activity))
    session.delete()


# --------------------------------------------------------------------------- attendance


def _roster_ids(session: Session) -> set[int]:
    return set(selectors.roster(session).values_list("person_id", flat=True))


@transaction.atomic
def attendance_save(
    *,
    actor,
    session: Session,
    marks: Mapping[int, bool] | None = None,
    walk_ins: Iterable[int] = (),
    via: str = "web",
) -> dict[str, int]:
    """Record who was at a session: ``marks`` {person id: present?} and ``walk_ins`` (present, not
    enrolled). Saving the same marks again changes nothing, and two saves at once never make two
    rows for one person (an upsert on the (session, person) constraint). Everything or nothing:
    one person outside the actor's office refuses the whole save."""
    session = Session.objects.select_related("activity__office__county").get(pk=session.pk)
    activity = session.activity
    require(selectors.can_edit_activity(actor, activity))
    if session.date > _today():
        raise ValidationError(
            _("This session is on %(date)s, in the future: attendance can be taken on the day or later.")
            % {"date": _shown(session.date)},
            code="future",
        )
    wanted: dict[int, bool] = {}
    for pid in walk_ins:
        wanted[_as_id(pid)] = True
    for pid, present in (marks or {}).items():
        wanted[_as_id(pid)] = bool(present)
    if not wanted:
        return {"present": 0, "absent": 0, "walk_ins": 0}
    _require_in_scope(actor, wanted)
    enrolled = _roster_ids(session)
    rows = [
        Attendance(
            session=session, person_id=pid, present=present, walk_in=pid not in enrolled, recorded_by=actor
        )
        for pid, present in sorted(wanted.items())
    ]
    # One INSERT … ON CONFLICT (session, person) DO UPDATE (SQLite and PostgreSQL alike): a row
    # another save wrote between our reads and this write is updated, never doubled.
    Attendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["session", "person"],
        update_fields=["present", "walk_in", "recorded_by", "recorded_at"],
    )
    summary = {
        "present": sum(1 for r in rows if r.present),
        "absent": sum(1 for r in rows if not r.present),
        "walk_ins": sum(1 for r in rows if r.walk_in),
    }
    audit_record(
        user=actor, action="update", obj=session, changes={"attendance": summary}, via=via, **_place(activity)
    )
    return summary


def _as_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _out_of_scope(OUT_OF_SCOPE) from None
