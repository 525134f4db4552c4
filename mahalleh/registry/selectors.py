"""Every read of the registry goes through here, scoped by the user.

Only roles that may see personal data reach residents at all; the national analyst,
the PR officer and partner users get nothing (their pages answer 404).
"""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mahalleh.accounts.models import Role
from mahalleh.core import plugins
from mahalleh.core.scoping import NOTHING, resident_q
from mahalleh.core.selectors import narrowed
from mahalleh.registry import search
from mahalleh.registry.ages import AGE_GROUPS
from mahalleh.registry.models import (
    Assessment,
    AssessmentItem,
    Consent,
    HarmCase,
    HarmCaseEvent,
    HarmType,
    Household,
    Person,
)

REGISTRY_ROLES = {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR, Role.OFFICE_MANAGER, Role.FACILITATOR}
EDIT_ROLES = {Role.OFFICE_MANAGER, Role.FACILITATOR}


def can_read_registry(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.role in REGISTRY_ROLES))


def can_edit_registry(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in EDIT_ROLES)


def _scope(user, prefix: str = "") -> Q:
    """``prefix`` leads to a Household or a Person (both carry their neighbourhood and office)."""
    if not can_read_registry(user):
        return NOTHING
    return resident_q(user, prefix)


def birth_range(age_group: str, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Birth dates of people in an age group on a reference date (inclusive)."""
    low, high = AGE_GROUPS[age_group]
    latest = _years_before(on, low)
    earliest = _years_before(on, high + 1) + datetime.timedelta(days=1)
    return earliest, latest


def _years_before(d: datetime.date, years: int) -> datetime.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def household_list(
    *,
    user,
    neighbourhood=None,
    harm_type=None,
    age_group: str | None = None,
    consent: str | None = None,
    vulnerability_min: int | None = None,
    query: str | None = None,
    matches: list[tuple[int, int]] | None = None,
    on: datetime.date | None = None,
) -> QuerySet[Household]:
    """``query``: the households of the residents :func:`person_search` finds (up to 500), or of
    ``matches`` when the caller has already run that search (:func:`person_matches`)."""
    qs = Household.objects.filter(_scope(user)).select_related("neighbourhood", "head")
    if neighbourhood is not None:
        qs = qs.filter(neighbourhood=neighbourhood)
    if harm_type is not None:
        qs = qs.filter(
            Exists(
                HarmCase.objects.filter(
                    person__household=OuterRef("pk"),
                    harm_type=harm_type,
                    status__in=[
                        HarmCase.Status.IDENTIFIED,
                        HarmCase.Status.IN_CARE,
                        HarmCase.Status.RELAPSED,
                    ],
                )
            )
        )
    if age_group in AGE_GROUPS:
        earliest, latest = birth_range(age_group, on or timezone.localdate())
        qs = qs.filter(
            Exists(
                Person.objects.filter(
                    household=OuterRef("pk"),
                    status=Person.Status.ACTIVE,
                    birth_date__gte=earliest,
                    birth_date__lte=latest,
                )
            )
        )
    if consent in {"given", "missing"}:
        # The latest registry consent of a member is the one in force: a withdrawal cancels
        # an earlier "given" (`Person.registry_consent`, kept by the consent service).
        has = Exists(Person.objects.filter(household=OuterRef("pk"), registry_consent=True))
        qs = qs.filter(has if consent == "given" else ~has)
    if vulnerability_min is not None:
        qs = qs.filter(vulnerability__gte=vulnerability_min)
    if query and matches is None:
        matches = person_matches(user=user, query=query)
    if matches is not None:
        qs = qs.filter(pk__any=[household for _pk, household in matches])
    return qs


def household_get(*, user, pk) -> Household:
    members = Person.objects.order_by("status", "birth_date", "pk")
    qs = Household.objects.filter(_scope(user)).select_related(
        "neighbourhood__office", "neighbourhood__county", "head"
    )
    return get_object_or_404(qs.prefetch_related(Prefetch("members", queryset=members)), pk=pk)


def person_list(*, user, household=None, status=None) -> QuerySet[Person]:
    qs = Person.objects.filter(_scope(user)).select_related("household__neighbourhood")
    return narrowed(qs, household=household, status=status or None)


def person_get(*, user, pk) -> Person:
    # The resident's own neighbourhood and county come along: the audit entry of every read of the
    # record is filed under them (two queries fewer on a resident's page).
    return get_object_or_404(person_list(user=user).select_related("neighbourhood__county"), pk=pk)


def person_search(*, user, query: str, limit: int = 20) -> QuerySet[Person]:
    """People the user may see whose name, national code or mobile matches what was typed."""
    kind, value = search.classify(query)
    qs = person_list(user=user)
    if not value:
        return qs.none()
    if kind in ("national_code", "mobile"):
        # The code's (or mobile's) own index finds the few people first, then the scope is checked.
        # As one WHERE, SQLite without statistics takes the office's index instead and tests every
        # resident of the office: 65 ms a lookup with 200,000 persons in one office, against 1 ms.
        matches = Person.objects.filter(**{kind: value}).values("pk")
        return qs.filter(pk__in=matches)[:limit]
    if kind == "digits":
        return qs.filter(Q(national_code__startswith=value) | Q(mobile__contains=value))[:limit]
    fts = search.fts_match_sql(value)
    if fts is not None:
        # The text is a bound parameter; the SQL around it is a constant.
        return qs.filter(pk__in=RawSQL(*fts)).order_by("pk")[:limit]  # noqa: S611
    # No ORDER BY: with one, PostgreSQL walks the primary key and filters (200 ms p95 at 300k
    # persons); without, it takes the pg_trgm index and stops at the limit (11 ms p95). The match
    # is found on the residents' rows alone, then joined: planned with the joins, a very common
    # part (محمد) walked the household index from another office's rows to the limit (45 ms at
    # 390,000 residents, against 1 ms on the office's own index).
    found = qs.select_related(None).filter(search_key__contains=value).order_by().values("pk")[:limit]
    return qs.filter(pk__in=found).order_by()


def person_matches(*, user, query: str, limit: int = 500) -> list[tuple[int, int]]:
    """(pk, household pk) of the residents :func:`person_search` finds, in its order: one search
    for a page that lists both the residents and their households."""
    return list(person_search(user=user, query=query, limit=limit).values_list("pk", "household_id"))


def people_by_pk(*, user, pks: list[int], columns: tuple[str, ...] = ()) -> list[Person]:
    """The residents of ``pks`` the user may see, in the order of ``pks`` (``columns``: only these)."""
    qs = person_list(user=user).filter(pk__any=pks).order_by()
    found = {p.pk: p for p in (qs.only(*columns) if columns else qs)}
    return [found[pk] for pk in pks if pk in found]


def harm_case_list(*, user, person=None, household=None, status=None) -> QuerySet[HarmCase]:
    scope = resident_q(user, neighbourhood="person__neighbourhood__") if can_read_registry(user) else NOTHING
    qs = HarmCase.objects.filter(scope).select_related("harm_type", "person")
    return narrowed(qs, person=person, person__household=household, status=status or None)


def harm_case_get(*, user, pk) -> HarmCase:
    return get_object_or_404(harm_case_list(user=user).prefetch_related("events__by"), pk=pk)


def consent_list(*, user, person=None, household=None) -> QuerySet[Consent]:
    qs = Consent.objects.filter(_scope(user, "person__")).select_related("person")
    return narrowed(qs, person=person, person__household=household)


def consent_in_force(*, person: Person, purpose: str) -> bool:
    """Whether the latest consent record of this purpose is a 'given' one."""
    latest = person.consents.filter(purpose=purpose).order_by("-on", "-pk").first()
    return bool(latest and latest.given)


def assessment_list(*, user, household=None) -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(_scope(user, "household__")).select_related("assessor")
    return narrowed(qs, household=household)


def harm_types() -> QuerySet[HarmType]:
    return HarmType.objects.filter(active=True)


def assessment_items() -> QuerySet[AssessmentItem]:
    """The active questions of the needs-assessment checklist, in order."""
    return AssessmentItem.objects.filter(active=True)


def household_timeline(*, household: Household, person: Person | None = None) -> list[dict]:
    """Everything that happened to the household and its members, newest first; with ``person``,
    only that member's own entries (a resident's page reads nothing of the other members)."""
    items: list[dict] = []
    members = [person] if person is not None else household.members.all()
    for p in members:
        # The registration day in Tehran, not in UTC (a record made after 20:30 UTC is "tomorrow").
        items.append(
            {
                "on": timezone.localdate(p.created_at),
                "at": p.created_at,
                "kind": "registered",
                "person": p,
                "obj": p,
            }
        )
        if p.status != Person.Status.ACTIVE and p.status_changed_on:
            items.append({"on": p.status_changed_on, "kind": "status", "person": p, "obj": p})
    whose = plugins.timeline_rows(household, person)
    cases = HarmCase.objects.filter(**whose).select_related("harm_type", "person")
    for case in cases.prefetch_related("events__by"):
        for event in case.events.all():
            items.append(
                {
                    "on": event.on,
                    "at": event.at,
                    "id": event.pk,
                    "kind": "harm",
                    "person": case.person,
                    "obj": case,
                    "event": event,
                }
            )
    for consent in Consent.objects.filter(**whose).select_related("person"):
        items.append(
            {
                "on": consent.on,
                "at": consent.recorded_at,
                "kind": "consent",
                "person": consent.person,
                "obj": consent,
            }
        )
    # An assessment is the household's, no member's: not on a resident's own timeline.
    for assessment in household.assessments.select_related("assessor") if person is None else ():
        items.append(
            {
                "on": assessment.on,
                "at": assessment.created_at,
                "kind": "assessment",
                "person": None,
                "obj": assessment,
            }
        )
    # Activities, referrals and community groups add their own entries (registered in their apps),
    # only the member's when a member is asked for.
    for household_items in plugins.providers("household_timeline"):
        items.extend(household_items(household, person=person))
    items.sort(key=_timeline_order, reverse=True)
    return items


def _timeline_order(item: dict) -> tuple:
    """Day of the event, then the moment it was recorded ("at", when the entry has one; an entry
    without a time counts as the start of its day), then its id: events of one day keep the order
    in which they happened (issue 8.4), whatever their kind."""
    on = item["on"]
    at = item.get("at") or timezone.make_aware(datetime.datetime.combine(on, datetime.time.min))
    return (on, at, item.get("id", getattr(item.get("obj"), "pk", 0) or 0))


# --------------------------------------------------------------------------- counts for reports
# Rows to be counted by office (``.values("office_id").annotate(Count(...))``), never shown: the
# user's place scope from ``core.scoping`` for every staff role, the aggregate-only ones (national
# analyst, PR officer) included, since a count by office carries no personal data. Partner users
# and inactive accounts get nothing.


def person_counted(*, user) -> QuerySet[Person]:
    """Residents of the user's scope, to count (by ``office_id``, the household's office)."""
    return Person.objects.filter(resident_q(user)).order_by()


def harm_case_counted(*, user) -> QuerySet[HarmCase]:
    """Harm cases of the user's scope, to count (by ``office_id``, the resident's office)."""
    return HarmCase.objects.filter(resident_q(user, neighbourhood="person__neighbourhood__")).order_by()


def harm_case_event_counted(*, user) -> QuerySet[HarmCaseEvent]:
    """Steps of the harm cases of the user's scope, to count (by ``case__office_id``)."""
    scope = resident_q(user, "case__", neighbourhood="case__person__neighbourhood__")
    return HarmCaseEvent.objects.filter(scope).order_by()
