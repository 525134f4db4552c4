"""Dirty marks: which neighbourhoods' facts a save or delete has put out of date.

Why signals here, when CONVENTIONS keep business rules out of them: this is cache invalidation,
not a rule, and it keeps the layers (DESIGN §8) pointing one way — indicators listens to the
registry, activities, referrals and community; none of them imports indicators, and no service
had to change. A move between households marks both neighbourhoods (pre_save remembers the old
one); deletes mark too. A save that changed only fields read by stock indicators alone marks the
neighbourhood ``stock_only`` (see ``indicators.refresh``). Writes that send no signal (set-based
SQL in the importer, attendance upserts) are caught by the refresh's sweep of ``updated_at``
columns.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from mahalleh.indicators.computed import FLOW_FIELDS
from mahalleh.indicators.refresh import mark_dirty


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
    mark_dirty([_hood_of_person(instance.person_id)])


def _harm_event(sender, instance, **kwargs):
    from mahalleh.registry.models import HarmCase

    person_id = HarmCase.objects.filter(pk=instance.case_id).values_list("person_id", flat=True).first()
    mark_dirty([_hood_of_person(person_id)])


def _hoods_of_residents(rows):
    """The neighbourhoods of the residents on `rows` (attendance or enrolment rows), once each."""
    return rows.order_by().values_list("person__household__neighbourhood_id", flat=True).distinct()


def _session(sender, instance, **kwargs):
    from mahalleh.activities.models import Attendance

    mark_dirty(_hoods_of_residents(Attendance.objects.filter(session_id=instance.pk)))


def _activity(sender, instance, **kwargs):
    from mahalleh.activities.models import Enrolment

    mark_dirty(_hoods_of_residents(Enrolment.objects.filter(activity_id=instance.pk)))


def _own_hood(sender, instance, **kwargs):
    """A community group or a manual value: the neighbourhood it names."""
    mark_dirty([instance.neighbourhood_id])


def _meeting(sender, instance, **kwargs):
    from mahalleh.community.models import CommunityGroup

    mark_dirty(CommunityGroup.objects.filter(pk=instance.group_id).values_list("neighbourhood_id", flat=True))


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
    for signal in (post_save, post_delete):
        name = signal is post_save and "save" or "delete"
        signal.connect(_household, sender=Household, dispatch_uid=f"{uid}-household-{name}")
        signal.connect(_person, sender=Person, dispatch_uid=f"{uid}-person-{name}")
        for model in (HarmCase, Attendance, Enrolment, Referral, Membership):
            signal.connect(_by_person, sender=model, dispatch_uid=f"{uid}-{model.__name__}-{name}")
        signal.connect(_harm_event, sender=HarmCaseEvent, dispatch_uid=f"{uid}-harm-event-{name}")
        signal.connect(_activity, sender=Activity, dispatch_uid=f"{uid}-activity-{name}")
        signal.connect(_own_hood, sender=CommunityGroup, dispatch_uid=f"{uid}-group-{name}")
        signal.connect(_meeting, sender=Meeting, dispatch_uid=f"{uid}-meeting-{name}")
        signal.connect(_own_hood, sender=ManualValue, dispatch_uid=f"{uid}-manual-{name}")
