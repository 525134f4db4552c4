"""Every write to the registry goes through here, and every write is audited."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalleh.audit.services import audit_record, diff
from mahalleh.core.names import clean_person_name
from mahalleh.core.national_code import normalize_national_code
from mahalleh.core.persian import clean_text, to_latin_digits
from mahalleh.core.phone import normalize_mobile
from mahalleh.core.scoping import neighbourhood_q
from mahalleh.core.services import ServiceWarning, locked_fresh, require
from mahalleh.geo.models import Neighbourhood
from mahalleh.registry import search
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
from mahalleh.registry.selectors import can_edit_registry

HOUSEHOLD_FIELDS = ("address", "phone", "tenure", "income_band", "external_id")
PERSON_FIELDS = (
    "id_type",
    "national_code",
    "document_number",
    "first_name",
    "last_name",
    "father_name",
    "sex",
    "birth_date",
    "relation",
    "nationality",
    "education",
    "school_enrolled",
    "employment",
    "disability",
    "insurance",
    "mobile",
)

# Allowed moves of a harm case: identified → in care → resolved, or relapsed.
HARM_TRANSITIONS = {
    HarmCase.Status.IDENTIFIED: {HarmCase.Status.IN_CARE, HarmCase.Status.RESOLVED},
    HarmCase.Status.IN_CARE: {HarmCase.Status.RESOLVED, HarmCase.Status.RELAPSED},
    HarmCase.Status.RESOLVED: {HarmCase.Status.RELAPSED},
    HarmCase.Status.RELAPSED: {HarmCase.Status.IN_CARE, HarmCase.Status.RESOLVED},
}


class DuplicateWarning(ServiceWarning):
    """A likely second registration of someone already in the registry."""

    def __init__(self, message, *, existing: Person, code: str):
        super().__init__(message, code=code)
        self.existing = existing
        if code == "duplicate_code":
            self.field = "national_code"
            self.field_message = _("This national code is already registered.")


def _require_neighbourhood(actor, neighbourhood: Neighbourhood) -> None:
    require(can_edit_registry(actor))
    require(Neighbourhood.objects.filter(neighbourhood_q(actor), pk=neighbourhood.pk).exists())


def _today() -> datetime.date:
    return timezone.localdate()


def _clean_phone(value) -> str:
    # Landlines too, so not normalize_mobile: ASCII digits without spaces or dashes.
    return to_latin_digits(value or "").replace(" ", "").replace("-", "")


def _household_key(household: Household) -> str:
    return search.household_key(head=household.head, address=household.address)


def _refresh_household_key(household: Household) -> None:
    key = _household_key(household)
    if key != household.search_key:
        household.search_key = key
        household.save(update_fields=["search_key"])


def _clean_person_fields(fields: dict) -> dict:
    """Normalise what was typed and check it; errors name the field."""
    out = dict(fields)
    errors = {}
    for name in ("first_name", "last_name", "father_name"):
        if name in out and out[name] is not None:
            try:
                out[name] = clean_person_name(out[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    if out.get("document_number") is not None:
        out["document_number"] = clean_text(out["document_number"])
    if "mobile" in out:
        try:
            out["mobile"] = normalize_mobile(out.get("mobile") or "")
        except ValidationError as exc:
            errors["mobile"] = exc.messages
    id_type = out.get("id_type", Person.IdType.NATIONAL_CODE)
    code = out.get("national_code")
    if id_type == Person.IdType.NATIONAL_CODE:
        if not code:
            errors["national_code"] = [_("Enter the national code, or choose another ID type.")]
        else:
            try:
                out["national_code"] = normalize_national_code(code)
            except ValidationError as exc:
                errors["national_code"] = exc.messages
    else:
        out["national_code"] = None
        # A card or passport number not at hand does not stop the registration (issue 8.5): the
        # person's page lists it as something to complete (Person.missing_details).
    birth = out.get("birth_date")
    if birth is not None and birth > _today():
        errors["birth_date"] = [_("The birth date is in the future.")]
    if birth is not None and birth < datetime.date(1900, 1, 1):
        errors["birth_date"] = [_("The birth date is too far in the past.")]
    if out.get("school_enrolled") is not None and birth is not None:
        age = _age(birth, _today())
        if not 6 <= age <= 18:
            out["school_enrolled"] = None
    if errors:
        raise ValidationError(errors)
    return out


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _check_duplicates(
    *, person_fields: dict, neighbourhood: Neighbourhood, exclude_pk=None, confirm=False
) -> None:
    code = person_fields.get("national_code")
    if code:
        existing = Person.objects.filter(national_code=code).exclude(pk=exclude_pk).first()
        if existing is not None:
            # National codes are unique across the whole system: never confirmable.
            raise DuplicateWarning(
                _("A resident with this national code is already registered."),
                existing=existing,
                code="duplicate_code",
            )
    if confirm or not person_fields.get("birth_date"):
        return
    same = (
        Person.objects.filter(
            neighbourhood=neighbourhood,
            birth_date=person_fields["birth_date"],
            search_key__startswith=search.person_key(
                first_name=person_fields["first_name"], last_name=person_fields["last_name"]
            ).split("|")[0]
            + "|",
        )
        .exclude(pk=exclude_pk)
        .first()
    )
    if same is not None:
        raise DuplicateWarning(
            _(
                "Someone with the same name and birth date is already registered in this neighbourhood. "
                "Open the existing record, or confirm that this is a different person."
            ),
            existing=same,
            code="duplicate_name",
        )


@transaction.atomic
def residents_follow_office(*, neighbourhood_ids) -> None:
    """After a neighbourhood changes office (geo services call this): its households and residents
    (and their harm cases) take the new office, in one set-based UPDATE per table."""
    ids = list(neighbourhood_ids)
    if not ids:
        return
    office = Neighbourhood.objects.filter(pk=OuterRef("neighbourhood_id")).values("office_id")[:1]
    for model in (Household, Person):
        model.objects.filter(neighbourhood_id__in=ids).update(office_id=Subquery(office))
    HarmCase.objects.filter(person__neighbourhood_id__in=ids).update(
        office_id=Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("office_id")[:1])
    )


@transaction.atomic
def household_create(*, actor, neighbourhood: Neighbourhood, via: str = "web", **fields) -> Household:
    _require_neighbourhood(actor, neighbourhood)
    data = {k: clean_text(v) if isinstance(v, str) else v for k, v in fields.items() if k in HOUSEHOLD_FIELDS}
    if "phone" in data:
        data["phone"] = _clean_phone(data["phone"])
    household = Household(
        neighbourhood=neighbourhood, office_id=neighbourhood.office_id, created_by=actor, **data
    )
    household.full_clean(exclude=["head"])
    household.save()
    _refresh_household_key(household)
    audit_record(user=actor, action="create", obj=household, changes=diff({}, data), via=via)
    return household


@transaction.atomic
def household_create_with_head(
    *,
    actor,
    neighbourhood: Neighbourhood,
    household_fields: dict,
    head_fields: dict,
    members: Sequence[dict] = (),
    confirm_duplicate: bool = False,
    via: str = "web",
) -> Household:
    """A household, its head and any other members in one transaction: a refused person leaves
    nothing behind. Each person goes through person_create, so every rule (duplicates, names, the
    office) is the same as for one added later. When a member is refused, the error carries
    ``member_index`` (0 for the first of ``members``) so a page can show it at that row; an error
    of the head has ``member_index`` None. A person's dict may carry its own ``confirm_duplicate``
    (a likely duplicate confirmed at that row only); the keyword confirms everyone."""
    household = household_create(actor=actor, neighbourhood=neighbourhood, via=via, **household_fields)
    people = [{**head_fields, "relation": Person.Relation.HEAD}, *members]
    for index, fields in enumerate(people):
        # A person's own "confirm_duplicate" (ticked at that row of the page) confirms only them.
        fields = dict(fields)
        confirm = confirm_duplicate or bool(fields.pop("confirm_duplicate", False))
        try:
            person_create(actor=actor, household=household, confirm_duplicate=confirm, via=via, **fields)
        except ValidationError as exc:
            exc.member_index = index - 1 if index else None
            raise
    return household


@transaction.atomic
def household_update(
    *, actor, household: Household, version: str | None = None, via="web", **fields
) -> Household:
    household = locked_fresh(household, version)
    _require_neighbourhood(actor, household.neighbourhood)
    before = {k: getattr(household, k) for k in fields}
    for key, value in fields.items():
        if key not in HOUSEHOLD_FIELDS:
            raise TypeError(key)
        value = clean_text(value) if isinstance(value, str) else value
        setattr(household, key, _clean_phone(value) if key == "phone" else value)
    household.full_clean(exclude=["head"])
    household.save()
    _refresh_household_key(household)
    audit_record(user=actor, action="update", obj=household, changes=diff(before, fields), via=via)
    return household


@transaction.atomic
def person_create(
    *, actor, household: Household, confirm_duplicate: bool = False, via: str = "web", **fields
) -> Person:
    _require_neighbourhood(actor, household.neighbourhood)
    data = _clean_person_fields({k: v for k, v in fields.items() if k in PERSON_FIELDS})
    _check_duplicates(person_fields=data, neighbourhood=household.neighbourhood, confirm=confirm_duplicate)
    person = Person(
        household=household,
        neighbourhood_id=household.neighbourhood_id,
        office_id=household.office_id,
        created_by=actor,
        **data,
    )
    person.search_key = search.person_key(
        first_name=person.first_name, last_name=person.last_name, father_name=person.father_name
    )
    if person.relation == Person.Relation.HEAD and household.head_id:
        raise ValidationError({"relation": _("This household already has a head.")})
    person.full_clean()
    person.save()
    search.fts_upsert([(person.pk, person.search_key)])
    if person.relation == Person.Relation.HEAD:
        household.head = person
        household.save(update_fields=["head", "updated_at"])
        _refresh_household_key(household)
    audit_record(user=actor, action="create", obj=person, changes=diff({}, data), via=via)
    return person


@transaction.atomic
def person_update(
    *, actor, person: Person, version: str | None = None, confirm_duplicate=False, via="web", **fields
) -> Person:
    person = locked_fresh(person, version, "household__neighbourhood")
    _require_neighbourhood(actor, person.household.neighbourhood)
    current = {k: getattr(person, k) for k in PERSON_FIELDS}
    data = _clean_person_fields({**current, **{k: v for k, v in fields.items() if k in PERSON_FIELDS}})
    _check_duplicates(
        person_fields=data,
        neighbourhood=person.household.neighbourhood,
        exclude_pk=person.pk,
        confirm=confirm_duplicate,
    )
    household = person.household
    if data["relation"] == Person.Relation.HEAD and household.head_id not in (None, person.pk):
        raise ValidationError({"relation": _("This household already has a head.")})
    for key, value in data.items():
        setattr(person, key, value)
    person.search_key = search.person_key(
        first_name=person.first_name, last_name=person.last_name, father_name=person.father_name
    )
    person.full_clean()
    person.save()
    search.fts_upsert([(person.pk, person.search_key)])
    if data["relation"] == Person.Relation.HEAD and household.head_id != person.pk:
        household.head = person
        household.save(update_fields=["head", "updated_at"])
    elif data["relation"] != Person.Relation.HEAD and household.head_id == person.pk:
        household.head = None
        household.save(update_fields=["head", "updated_at"])
    _refresh_household_key(household)
    audit_record(user=actor, action="update", obj=person, changes=diff(current, data), via=via)
    return person


@transaction.atomic
def person_move(*, actor, person: Person, to_household: Household, relation: str, via="web") -> Person:
    """Move a resident to another household (marriage, a split family) keeping their history."""
    person = Person.objects.select_for_update().select_related("household__neighbourhood").get(pk=person.pk)
    _require_neighbourhood(actor, person.household.neighbourhood)
    _require_neighbourhood(actor, to_household.neighbourhood)
    if to_household.pk == person.household_id:
        raise ValidationError({"to_household": _("The resident is already in this household.")})
    if relation not in Person.Relation.values:
        raise ValidationError({"relation": _("Choose the relation to the head.")})
    if relation == Person.Relation.HEAD and to_household.head_id:
        raise ValidationError({"relation": _("This household already has a head.")})
    old = person.household
    if old.head_id == person.pk:
        old.head = None
        old.save(update_fields=["head", "updated_at"])
        _refresh_household_key(old)
    person.household, person.relation = to_household, relation
    # The place follows the resident (their harm cases, consents and referrals read it through them).
    person.neighbourhood_id, person.office_id = to_household.neighbourhood_id, to_household.office_id
    person.save(update_fields=["household", "neighbourhood", "office", "relation", "updated_at"])
    HarmCase.objects.filter(person=person).update(office_id=person.office_id)
    if relation == Person.Relation.HEAD:
        to_household.head = person
        to_household.save(update_fields=["head", "updated_at"])
        _refresh_household_key(to_household)
    audit_record(
        user=actor,
        action="update",
        obj=person,
        changes={"household": [str(old.pk), str(to_household.pk)]},
        via=via,
    )
    return person


@transaction.atomic
def person_set_status(*, actor, person: Person, status: str, on: datetime.date, via="web") -> Person:
    """Mark a resident as moved away or deceased (or back) without deleting any history."""
    person = Person.objects.select_for_update().select_related("household__neighbourhood").get(pk=person.pk)
    _require_neighbourhood(actor, person.household.neighbourhood)
    if status not in Person.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if on > _today():
        raise ValidationError({"on": _("The date is in the future.")})
    before = person.status
    person.status, person.status_changed_on = status, on
    person.save(update_fields=["status", "status_changed_on", "updated_at"])
    audit_record(user=actor, action="update", obj=person, changes={"status": [before, status]}, via=via)
    return person


@transaction.atomic
def harm_case_open(
    *, actor, person: Person, harm_type: HarmType, identified_on: datetime.date, note: str = "", via="web"
) -> HarmCase:
    _require_neighbourhood(actor, person.household.neighbourhood)
    if identified_on > _today():
        raise ValidationError({"identified_on": _("The date is in the future.")})
    open_case = person.harm_cases.filter(harm_type=harm_type).exclude(status=HarmCase.Status.RESOLVED).first()
    if open_case is not None:
        raise ValidationError(
            {
                "harm_type": _(
                    "This harm is already open for this resident; change the status of that case instead."
                )
            }
        )
    case = HarmCase.objects.create(
        person=person,
        office_id=person.office_id,
        harm_type=harm_type,
        identified_on=identified_on,
        note=note.strip(),
    )
    HarmCaseEvent.objects.create(
        case=case, to_status=case.status, on=identified_on, note=note.strip(), by=actor
    )
    audit_record(
        user=actor, action="create", obj=case, changes={"harm_type": [None, harm_type.code]}, via=via
    )
    return case


@transaction.atomic
def harm_case_transition(
    *,
    actor,
    case: HarmCase,
    to_status: str,
    on: datetime.date,
    note: str = "",
    version: str | None = None,
    via="web",
) -> HarmCase:
    case = locked_fresh(case, version, "person__household__neighbourhood")
    _require_neighbourhood(actor, case.person.household.neighbourhood)
    if to_status not in HARM_TRANSITIONS.get(case.status, set()):
        raise ValidationError(
            {
                "to_status": _("A case that is “%(from)s” cannot become “%(to)s”.")
                % {
                    "from": HarmCase.Status(case.status).label,
                    "to": HarmCase.Status(to_status).label
                    if to_status in HarmCase.Status.values
                    else to_status,
                }
            }
        )
    last = case.events.order_by("-on", "-pk").first()
    if on > _today():
        raise ValidationError({"on": _("The date is in the future.")})
    if last is not None and on < last.on:
        raise ValidationError({"on": _("The date is before the case's previous step.")})
    before = case.status
    HarmCaseEvent.objects.create(
        case=case, from_status=before, to_status=to_status, on=on, note=note.strip(), by=actor
    )
    case.status = to_status
    case.save(update_fields=["status", "updated_at"])
    audit_record(user=actor, action="update", obj=case, changes={"status": [before, to_status]}, via=via)
    return case


@transaction.atomic
def consent_record(
    *,
    actor,
    person: Person,
    purpose: str,
    given: bool,
    on: datetime.date,
    given_by: str = "",
    note: str = "",
    via="web",
) -> Consent:
    _require_neighbourhood(actor, person.household.neighbourhood)
    if purpose not in Consent.Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if on > _today():
        raise ValidationError({"on": _("The date is in the future.")})
    consent = Consent.objects.create(
        person=person,
        purpose=purpose,
        given=given,
        on=on,
        given_by=given_by.strip(),
        note=note.strip(),
        recorded_by=actor,
    )
    audit_record(
        user=actor,
        action="create",
        obj=consent,
        changes={"purpose": [None, purpose], "given": [None, str(given)]},
        via=via,
    )
    if purpose == Consent.Purpose.REGISTRY:
        registry_consent_sync(person_ids=[person.pk])
    return consent


def registry_consent_sync(*, person_ids: Sequence[int] | None = None) -> int:
    """Set `Person.registry_consent` from the consents recorded (the latest registry one is in force),
    for these residents or, with None, for every resident with a registry consent: after a bulk load.
    Only the flag changes (not `updated_at`/`version`: nothing a user edited)."""
    registry = Consent.objects.filter(person=OuterRef("pk"), purpose=Consent.Purpose.REGISTRY)
    latest = registry.order_by("-on", "-pk").values("given")[:1]
    people = Person.objects.filter(Exists(registry))
    if person_ids is not None:
        people = people.filter(pk__in=list(person_ids))
    return people.update(registry_consent=Subquery(latest))


def assessment_score(answers: dict, *, items: Sequence[AssessmentItem] | None = None) -> int:
    """0–100: the weighted share of checklist items answered 'yes' (more = more vulnerable).

    `items` is the active checklist when the caller has it already (the demo, scoring thousands)."""
    if items is None:
        items = list(AssessmentItem.objects.filter(active=True))
    total = sum(i.weight for i in items)
    if not total:
        return 0
    yes = sum(i.weight for i in items if answers.get(i.code) in (True, "yes", "1", 1))
    return round(100 * yes / total)


@transaction.atomic
def assessment_record(
    *, actor, household: Household, on: datetime.date, answers: dict, note: str = "", via="web"
) -> Assessment:
    _require_neighbourhood(actor, household.neighbourhood)
    if on > _today():
        raise ValidationError({"on": _("The date is in the future.")})
    known = set(AssessmentItem.objects.filter(active=True).values_list("code", flat=True))
    unknown = set(answers) - known
    if unknown:
        raise ValidationError(
            {"answers": _("Unknown checklist items: %(items)s") % {"items": ", ".join(sorted(unknown))}}
        )
    clean = {code: bool(answers.get(code) in (True, "yes", "1", 1)) for code in known}
    score = assessment_score(clean)
    assessment = Assessment.objects.create(
        household=household, on=on, assessor=actor, answers=clean, score=score, note=note.strip()
    )
    latest = household.assessments.order_by("-on", "-pk").first()
    if latest is not None and latest.pk == assessment.pk:
        household.vulnerability = score
        household.save(update_fields=["vulnerability", "updated_at"])
    audit_record(user=actor, action="create", obj=assessment, changes={"score": [None, str(score)]}, via=via)
    return assessment
