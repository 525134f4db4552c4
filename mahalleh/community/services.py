"""Every write to community groups goes through here, and every write is audited.

Only office staff (manager, facilitator) write, and only to their own office's groups. Every rule
is checked before anything is written, and each function is one transaction: a refused call
leaves nothing behind.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalleh.audit.services import audit_record, diff
from mahalleh.community.models import CommunityGroup, Meeting, Membership
from mahalleh.community.selectors import can_edit_groups
from mahalleh.core.i18n import join_list
from mahalleh.core.persian import clean_text
from mahalleh.core.services import ensure_fresh, require
from mahalleh.geo.models import Neighbourhood
from mahalleh.registry.models import Person
from mahalleh.registry.selectors import person_list

GROUP_FIELDS = ("name", "kind", "neighbourhood", "founded_on", "description")

MESSAGES = {
    "duplicate_member": _("%(name)s is already a member of this group."),
    "not_in_scope": _("This resident is not in your office's registry."),
    "meeting_in_future": _(
        "The meeting date is in the future. Record a meeting on or after the day it takes place."
    ),
}


def _today() -> datetime.date:
    return timezone.localdate()


def _audit(*, actor, action: str, obj, group: CommunityGroup, changes: dict, via: str) -> None:
    # The office is the group's, whether or not the group has a neighbourhood (and a meeting has
    # neither), so the entry shows in that office's audit.
    audit_record(
        user=actor,
        action=action,
        obj=obj,
        changes=changes,
        via=via,
        office_id=group.office_id,
        province_id=group.office.county.province_id,
    )


def _require_office_staff(actor) -> None:
    require(can_edit_groups(actor) and bool(actor.office_id))


def _require_group(actor, group: CommunityGroup) -> None:
    """The actor is office staff of the group's office."""
    _require_office_staff(actor)
    require(group.office_id == actor.office_id)


def _lock_group(group: CommunityGroup) -> CommunityGroup:
    # Writes to one group's members and meetings take their turn (two facilitators at once).
    return CommunityGroup.objects.select_for_update().select_related("office__county").get(pk=group.pk)


def _clean_group_fields(actor, fields: dict) -> dict:
    out = dict(fields)
    errors: dict[str, list] = {}
    if "name" in out:
        out["name"] = clean_text(out["name"] or "")
        if not out["name"]:
            errors["name"] = [_("Enter the group's name.")]
    if "description" in out:
        out["description"] = clean_text(out["description"] or "", multiline=True)
    if "kind" in out and out["kind"] not in CommunityGroup.Kind.values:
        errors["kind"] = [_("Choose a kind of group.")]
    if "founded_on" in out:
        if out["founded_on"] is None:
            errors["founded_on"] = [_("Enter the date the group was founded.")]
        elif out["founded_on"] > _today():
            errors["founded_on"] = [_("The founding date is in the future.")]
    neighbourhood = out.get("neighbourhood")
    if neighbourhood is not None and not (
        isinstance(neighbourhood, Neighbourhood) and neighbourhood.office_id == actor.office_id
    ):
        errors["neighbourhood"] = [_("Choose one of your office's neighbourhoods.")]
    if errors:
        raise ValidationError(errors)
    return out


def _check_name_free(actor, name: str, exclude_pk=None) -> None:
    taken = CommunityGroup.objects.filter(office_id=actor.office_id, name=name).exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"name": _("Your office already has a group with this name.")})


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Neighbourhood):
        return str(value.pk)
    return str(value)


# --------------------------------------------------------------------------- groups


@transaction.atomic
def group_create(
    *,
    actor,
    name: str,
    kind: str,
    founded_on: datetime.date,
    neighbourhood: Neighbourhood | None = None,
    description: str = "",
    via: str = "web",
) -> CommunityGroup:
    """A new group of the actor's office."""
    _require_office_staff(actor)
    data = _clean_group_fields(
        actor,
        {
            "name": name,
            "kind": kind,
            "founded_on": founded_on,
            "neighbourhood": neighbourhood,
            "description": description,
        },
    )
    _check_name_free(actor, data["name"])
    group = CommunityGroup.objects.create(office_id=actor.office_id, created_by=actor, **data)
    group = CommunityGroup.objects.select_related("office__county").get(pk=group.pk)
    changes = diff({}, {k: _as_text(v) for k, v in data.items()})
    _audit(actor=actor, action="create", obj=group, group=group, changes=changes, via=via)
    return group


@transaction.atomic
def group_update(
    *, actor, group: CommunityGroup, version: str | None = None, via: str = "web", **fields
) -> CommunityGroup:
    """Change the fields given (name, kind, neighbourhood, founded_on, description). ``version`` is
    the state the edit was made on: a group changed since is refused, not overwritten."""
    for key in fields:
        if key not in GROUP_FIELDS:
            raise TypeError(key)
    group = _lock_group(group)
    _require_group(actor, group)
    ensure_fresh(group, version)
    data = _clean_group_fields(actor, fields)
    if "name" in data:
        _check_name_free(actor, data["name"], exclude_pk=group.pk)
    founded_on = data.get("founded_on")
    if founded_on is not None:
        first = group.meetings.order_by("date").values_list("date", flat=True).first()
        if first is not None and founded_on > first:
            raise ValidationError(
                {
                    "founded_on": _(
                        "The group has meetings before this date: the founding date must come first."
                    )
                }
            )
    before = {k: _as_text(getattr(group, k)) for k in data}
    for key, value in data.items():
        setattr(group, key, value)
    group.save(update_fields=[*data, "updated_at"])
    changes = diff(before, {k: _as_text(v) for k, v in data.items()})
    _audit(actor=actor, action="update", obj=group, group=group, changes=changes, via=via)
    return group


# --------------------------------------------------------------------------- members


def _duplicate_member(person: Person) -> ValidationError:
    return ValidationError(
        {
            "person": ValidationError(
                MESSAGES["duplicate_member"], code="duplicate_member", params={"name": person.full_name}
            )
        }
    )


def _is_current_member(group: CommunityGroup, person: Person) -> bool:
    return Membership.objects.filter(group=group, person=person, left_on__isnull=True).exists()


@transaction.atomic
def member_add(
    *,
    actor,
    group: CommunityGroup,
    person: Person,
    role: str = Membership.Role.MEMBER,
    joined_on: datetime.date | None = None,
    via: str = "web",
) -> Membership:
    """Make a resident of the actor's office a current member of the group.

    Refused, with nothing saved, when the resident is already a current member (checked first,
    and the database's unique constraint backs the check up when two saves race)."""
    group = _lock_group(group)
    _require_group(actor, group)
    joined_on = joined_on or _today()
    if not person_list(user=actor).filter(pk=person.pk).exists():
        raise ValidationError({"person": ValidationError(MESSAGES["not_in_scope"], code="not_in_scope")})
    if _is_current_member(group, person):
        raise _duplicate_member(person)
    errors: dict[str, list] = {}
    if person.status != Person.Status.ACTIVE:
        errors["person"] = [
            ValidationError(
                _("%(name)s no longer lives in the neighbourhood and cannot join a group."),
                params={"name": person.full_name},
            )
        ]
    if role not in Membership.Role.values:
        errors["role"] = [_("Choose leader or member.")]
    if joined_on > _today():
        errors["joined_on"] = [_("The joining date is in the future.")]
    elif joined_on < group.founded_on:
        errors["joined_on"] = [_("The joining date is before the group was founded.")]
    else:
        last_left = (
            Membership.objects.filter(group=group, person=person, left_on__isnull=False)
            .order_by("-left_on")
            .values_list("left_on", flat=True)
            .first()
        )
        if last_left is not None and joined_on < last_left:
            errors["joined_on"] = [_("The joining date is before this resident last left the group.")]
    if errors:
        raise ValidationError(errors)
    try:
        # A savepoint, so the transaction stays usable when the constraint refuses the row.
        with transaction.atomic():
            membership = Membership.objects.create(group=group, person=person, role=role, joined_on=joined_on)
    except IntegrityError:
        raise _duplicate_member(person) from None
    changes = {
        "group": [None, str(group.pk)],
        "person": [None, str(person.pk)],
        "role": [None, role],
        "joined_on": [None, str(joined_on)],
    }
    _audit(actor=actor, action="create", obj=membership, group=group, changes=changes, via=via)
    return membership


def _lock_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update()
        .select_related("group__office__county", "person")
        .get(pk=membership.pk)
    )


def _require_current(membership: Membership) -> None:
    if membership.left_on is not None:
        raise ValidationError(
            _("%(name)s is no longer a member of this group."),
            code="not_current",
            params={"name": membership.person.full_name},
        )


@transaction.atomic
def member_leave(
    *, actor, membership: Membership, left_on: datetime.date | None = None, via: str = "web"
) -> Membership:
    """End a membership on ``left_on`` (default today). The row stays: the group's history keeps
    who was a member when, and the resident may join again later (a new membership)."""
    membership = _lock_membership(membership)
    _require_group(actor, membership.group)
    _require_current(membership)
    left_on = left_on or _today()
    if left_on > _today():
        raise ValidationError({"left_on": _("The leaving date is in the future.")})
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": _("The leaving date is before the joining date.")})
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    changes = {"left_on": [None, str(left_on)]}
    _audit(actor=actor, action="update", obj=membership, group=membership.group, changes=changes, via=via)
    return membership


@transaction.atomic
def member_set_role(*, actor, membership: Membership, role: str, via: str = "web") -> Membership:
    """Make a current member a leader, or a leader an ordinary member."""
    membership = _lock_membership(membership)
    _require_group(actor, membership.group)
    _require_current(membership)
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose leader or member.")})
    if role == membership.role:
        return membership
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    changes = {"role": [before, role]}
    _audit(actor=actor, action="update", obj=membership, group=membership.group, changes=changes, via=via)
    return membership


# --------------------------------------------------------------------------- meetings


@transaction.atomic
def meeting_record(
    *,
    actor,
    group: CommunityGroup,
    date: datetime.date,
    place: str = "",
    decisions: str = "",
    attendees=(),
    via: str = "web",
) -> Meeting:
    """Record a meeting that took place, with who attended and what was decided.

    Attendees are the group's current members, or residents of the actor's office who came as
    guests; anyone else refuses the whole meeting (nothing is saved)."""
    group = _lock_group(group)
    _require_group(actor, group)
    errors: dict[str, list] = {}
    if date is None:
        errors["date"] = [_("Enter the date of the meeting.")]
    elif date > _today():
        errors["date"] = [ValidationError(MESSAGES["meeting_in_future"], code="future")]
    elif date < group.founded_on:
        errors["date"] = [_("The meeting date is before the group was founded.")]
    elif group.meetings.filter(date=date).exists():
        errors["date"] = [_("A meeting of this group on this date is already recorded.")]
    people = {p.pk: p for p in attendees}
    ids = set(people)
    allowed = set(
        Membership.objects.filter(group=group, left_on__isnull=True, person_id__in=ids).values_list(
            "person_id", flat=True
        )
    )
    allowed |= set(person_list(user=actor).filter(pk__in=ids - allowed).values_list("pk", flat=True))
    refused = [people[pk] for pk in sorted(ids - allowed)]
    if refused:
        errors["attendees"] = [
            ValidationError(
                _(
                    "Only current members of the group and residents of your office can be recorded "
                    "as attending. Not allowed: %(names)s."
                ),
                code="not_in_scope",
                params={"names": join_list(p.full_name for p in refused)},
            )
        ]
    place = clean_text(place or "")
    if len(place) > Meeting._meta.get_field("place").max_length:
        errors["place"] = [_("The place is too long.")]
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        group=group,
        date=date,
        place=place,
        decisions=clean_text(decisions or "", multiline=True),
        recorded_by=actor,
    )
    meeting.attendees.set(sorted(ids))
    changes = {
        "group": [None, str(group.pk)],
        "date": [None, str(date)],
        "attendees": [None, str(len(ids))],
    }
    _audit(actor=actor, action="create", obj=meeting, group=group, changes=changes, via=via)
    return meeting
