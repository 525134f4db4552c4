"""Dirty marks: which neighbourhoods' facts a save or delete has put out of date.

Why signals here, when CONVENTIONS keep business rules out of them: this is cache invalidation,
not a rule, and it keeps the layers (DESIGN §8) pointing one way — indicators listens to the
registry, activities, referrals and community; none of them imports indicators, and no service
had to change. A move between households marks both neighbourhoods (pre_save remembers the old
one); deletes mark too. A save that changed only fields read by stock indicators alone marks the
neighbourhood ``stock_only`` (see ``indicators.refresh``). A change to a dated flow row (a harm
case or its event, attendance, a referral, a group, a meeting, a membership) marks the earliest of
its dates before and after the change, so the refresh recomputes the periods from there on only.
Writes that send no signal (set-based SQL in the importer, attendance upserts) are caught by the
refresh's sweep of ``updated_at`` columns.
"""

import datetime

from django.db.models import Min
from django.db.models.signals import post_delete, post_save, pre_save

from mahalleh.core.jalali import local_date
from mahalleh.indicators.computed import FLOW_FIELDS
from mahalleh.indicators.refresh import mark_dirty, today_tehran

# The dates of the flow rows: a change to one moves the figures of the periods from the earliest of
# them, before and after the change, on (less computed.FLOW_REACH_DAYS), and the mark says so.
DATES = {
    "registry.harmcase": ("identified_on",),
    "registry.harmcaseevent": ("on",),
    "referrals.referral": ("created_at", "due_on", "accepted_at", "closed_at"),
    "community.membership": ("joined_on", "left_on"),
    "community.meeting": ("date",),
    "community.communitygroup": ("founded_on",),
    "activities.session": ("date",),
}


def _dates_pre(sender, instance, **kwargs):
    """Remember the row's dates as they are in the database, before the save changes them."""
    fields = DATES[sender._meta.label_lower]
    old = sender._base_manager.filter(pk=instance.pk).values_list(*fields).first() if instance.pk else None
    instance._indicators_old_dates = old or ()


def _since(instance, *more: datetime.date | None) -> datetime.date | None:
    """The earliest of the row's dates, old (``_dates_pre``) and new, and ``more``."""
    fields = DATES[type(instance)._meta.label_lower]
    days = [*getattr(instance, "_indicators_old_dates", ()), *(getattr(instance, f) for f in fields), *more]
    return min((local_date(d) for d in days if d is not None), default=None)


def _hood_of_person(person_id):
    from mahalleh.registry.models import Person

    return Person.objects.filter(pk=person_id).values_list("household__neighbourhood_id", flat=True).first()


def _household_pre(sender, instance, **kwargs):
    from mahalleh.registry.models import Household

    instance._indicators_old_hood = (
        Household.objects.filter(pk=instance.pk).values_list("neighbourhood_id", flat=True).first()
        if instance.pk
        else None
    )


def _household(sender, instance, created=False, **kwargs):
    old = getattr(instance, "_indicators_old_hood", None)
    # A household saved where it was (or a new one, still empty) moves stock figures only
    # (vulnerability); a move takes its residents along: every period, in both neighbourhoods.
    same = kwargs.get("signal") is post_save and (created or old == instance.neighbourhood_id)
    mark_dirty([instance.neighbourhood_id, old], stock_only=same)


def _person_pre(sender, instance, **kwargs):
    from mahalleh.registry.models import Person

    instance._indicators_old = (
        Person.objects.filter(pk=instance.pk).values_list("household__neighbourhood_id", *FLOW_FIELDS).first()
        if instance.pk
        else None
    )


def _person(sender, instance, created=False, **kwargs):
    from mahalleh.registry.models import Household

    hood = (
        Household.objects.filter(pk=instance.household_id).values_list("neighbourhood_id", flat=True).first()
    )
    old = getattr(instance, "_indicators_old", None)
    now = (hood, *(getattr(instance, name) for name in FLOW_FIELDS))
    # Only stock-only fields changed (computed.STOCK_ONLY_FIELDS): the current stock facts only.
    # The refresh's sweep also compares the row with what the facts were computed from.
    same = kwargs.get("signal") is post_save and not created and old is not None and tuple(old) == now
    mark_dirty([hood, old[0] if old else None], stock_only=same)


def _by_person(sender, instance, **kwargs):
    """A resident's enrolment (read by stock indicators only, but marked for every period as an
    activity's dates are), attendance, referral or membership."""
    from mahalleh.activities.models import Attendance, Session

    if sender is Attendance:
        since = Session.objects.filter(pk=instance.session_id).values_list("date", flat=True).first()
    else:
        since = _since(instance) if sender._meta.label_lower in DATES else None
    mark_dirty([_hood_of_person(instance.person_id)], since=since)


# A harm case's own columns the figures read (its date first); its statuses are read from its events.
CASE_FIELDS = ("identified_on", "harm_type_id", "person_id")


def _harm_case_pre(sender, instance, **kwargs):
    """Remember the case's columns the figures read, and its date (as ``_dates_pre``)."""
    old = None
    if instance.pk:
        old = sender._base_manager.filter(pk=instance.pk).values_list(*CASE_FIELDS).first()
    instance._indicators_old_case = old
    instance._indicators_old_dates = old[:1] if old else ()


def _harm_case(sender, instance, created=False, **kwargs):
    """A case new, deleted, or with its identification, harm or resident changed moves the periods
    from its identification or its first event on (an event may be dated before it), in the old
    resident's neighbourhood too. A save that changed none of those (its status after a step, whose
    event marked its own date; its office) moves no figure. A deleted case's events were deleted
    first, each marking its own date."""
    from mahalleh.registry.models import HarmCaseEvent

    old = getattr(instance, "_indicators_old_case", None)
    now = tuple(getattr(instance, name) for name in CASE_FIELDS)
    if kwargs.get("signal") is post_save and not created and old == now:
        return
    first = HarmCaseEvent.objects.filter(case_id=instance.pk).aggregate(first=Min("on"))["first"]
    people = {instance.person_id, old[2] if old else None}
    mark_dirty([_hood_of_person(p) for p in people if p is not None], since=_since(instance, first))


def _harm_event(sender, instance, **kwargs):
    from mahalleh.registry.models import HarmCase

    person_id = HarmCase.objects.filter(pk=instance.case_id).values_list("person_id", flat=True).first()
    mark_dirty([_hood_of_person(person_id)], since=_since(instance))


def _hoods_of_residents(rows):
    """The neighbourhoods of the residents on `rows` (attendance or enrolment rows), once each."""
    return rows.order_by().values_list("person__household__neighbourhood_id", flat=True).distinct()


def _session(sender, instance, **kwargs):
    """Before a session is saved: its attendance moves from its old date to its new one."""
    from mahalleh.activities.models import Attendance

    _dates_pre(sender, instance)
    mark_dirty(_hoods_of_residents(Attendance.objects.filter(session_id=instance.pk)), since=_since(instance))


def _activity(sender, instance, **kwargs):
    from mahalleh.activities.models import Enrolment

    mark_dirty(_hoods_of_residents(Enrolment.objects.filter(activity_id=instance.pk)))


def _group(sender, instance, **kwargs):
    """A community group: the neighbourhood it names, from its founding on."""
    mark_dirty([instance.neighbourhood_id], since=_since(instance))


def _manual(sender, instance, **kwargs):
    """A manual value moves no computed figure, and the manual facts are written whole with any
    recompute: the fewest periods do."""
    mark_dirty([instance.neighbourhood_id], since=today_tehran())


def _meeting(sender, instance, **kwargs):
    from mahalleh.community.models import CommunityGroup

    mark_dirty(
        CommunityGroup.objects.filter(pk=instance.group_id).values_list("neighbourhood_id", flat=True),
        since=_since(instance),
    )


def connect() -> None:
    from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
    from mahalleh.community.models import CommunityGroup, Meeting, Membership
    from mahalleh.indicators.models import ManualValue
    from mahalleh.referrals.models import Referral
    from mahalleh.registry.models import HarmCase, HarmCaseEvent, Household, Person

    uid = "indicators-dirty"
    pre_save.connect(_person_pre, sender=Person, dispatch_uid=f"{uid}-person-pre")
    pre_save.connect(_household_pre, sender=Household, dispatch_uid=f"{uid}-household-pre")
    pre_save.connect(_session, sender=Session, dispatch_uid=f"{uid}-session-pre")
    pre_save.connect(_harm_case_pre, sender=HarmCase, dispatch_uid=f"{uid}-HarmCase-dates")
    for model in (HarmCaseEvent, Referral, Membership, Meeting, CommunityGroup):
        pre_save.connect(_dates_pre, sender=model, dispatch_uid=f"{uid}-{model.__name__}-dates")
    for signal in (post_save, post_delete):
        name = signal is post_save and "save" or "delete"
        signal.connect(_household, sender=Household, dispatch_uid=f"{uid}-household-{name}")
        signal.connect(_person, sender=Person, dispatch_uid=f"{uid}-person-{name}")
        for model in (Attendance, Enrolment, Referral, Membership):
            signal.connect(_by_person, sender=model, dispatch_uid=f"{uid}-{model.__name__}-{name}")
        signal.connect(_harm_case, sender=HarmCase, dispatch_uid=f"{uid}-HarmCase-{name}")
        signal.connect(_harm_event, sender=HarmCaseEvent, dispatch_uid=f"{uid}-harm-event-{name}")
        signal.connect(_activity, sender=Activity, dispatch_uid=f"{uid}-activity-{name}")
        signal.connect(_group, sender=CommunityGroup, dispatch_uid=f"{uid}-group-{name}")
        signal.connect(_meeting, sender=Meeting, dispatch_uid=f"{uid}-meeting-{name}")
        signal.connect(_manual, sender=ManualValue, dispatch_uid=f"{uid}-manual-{name}")
