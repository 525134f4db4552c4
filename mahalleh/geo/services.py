"""Every write to places goes through here."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mahalleh.core import plugins
from mahalleh.core.roles import Role
from mahalleh.core.scoping import can_manage_places
from mahalleh.core.services import locked_fresh, require
from mahalleh.geo.geojson import parse_boundary
from mahalleh.geo.models import County, Neighbourhood, Office, Province

# Apps above geo (the registry) copy a neighbourhood's office onto their own rows; geo cannot
# import them, so they register a provider (in AppConfig.ready), called in the same transaction
# with the ids of the neighbourhoods whose office changed.
OFFICE_CHANGED = "neighbourhood_office_changed"


def _offices_changed(neighbourhood_ids) -> None:
    ids = sorted(set(neighbourhood_ids))
    if ids:
        for follow in plugins.providers(OFFICE_CHANGED):
            follow(neighbourhood_ids=ids)


def _check_office_county(office: Office, county_id: int) -> None:
    if office.county_id != county_id:
        raise ValidationError(
            {"office": _("The office must be in the neighbourhood's county.")}, code="county"
        )


def _require_province(actor, province: Province) -> None:
    require(can_manage_places(actor))
    if actor.role == Role.PROVINCE_COORDINATOR:
        require(actor.province_id == province.pk)


@transaction.atomic
def province_create(*, actor, code: str, name_fa: str, name_en: str = "") -> Province:
    require(actor.is_national and actor.role != Role.NATIONAL_ANALYST)
    province = Province(code=code.strip().upper(), name_fa=name_fa.strip(), name_en=name_en.strip())
    province.full_clean()
    province.save()
    return province


@transaction.atomic
def province_update(*, actor, province: Province, name_fa: str, name_en: str = "") -> Province:
    require(actor.is_national and actor.role != Role.NATIONAL_ANALYST)
    province.name_fa, province.name_en = name_fa.strip(), name_en.strip()
    province.full_clean()
    province.save(update_fields=["name_fa", "name_en"])
    return province


@transaction.atomic
def county_create(*, actor, province: Province, code: str, name_fa: str, name_en: str = "") -> County:
    _require_province(actor, province)
    county = County(
        province=province, code=code.strip().upper(), name_fa=name_fa.strip(), name_en=name_en.strip()
    )
    county.full_clean()
    county.save()
    return county


@transaction.atomic
def county_update(*, actor, county: County, name_fa: str, name_en: str = "") -> County:
    _require_province(actor, county.province)
    county.name_fa, county.name_en = name_fa.strip(), name_en.strip()
    county.full_clean()
    county.save(update_fields=["name_fa", "name_en"])
    return county


def _office_fields(actor, *, county: County, neighbourhoods=None) -> None:
    _require_province(actor, county.province)
    for n in neighbourhoods or []:
        # An office serves neighbourhoods of its own county only: bad input (400), not a permission.
        if n.county_id != county.pk:
            raise ValidationError(
                {"neighbourhoods": _("An office serves neighbourhoods of its own county only.")},
                code="county",
            )


@transaction.atomic
def office_create(
    *,
    actor,
    county: County,
    code: str,
    name_fa: str,
    name_en: str = "",
    address: str = "",
    phone: str = "",
    opened_on: datetime.date | None = None,
    neighbourhoods=None,
) -> Office:
    _office_fields(actor, county=county, neighbourhoods=neighbourhoods)
    office = Office(
        county=county,
        code=code.strip().upper(),
        name_fa=name_fa.strip(),
        name_en=name_en.strip(),
        address=address.strip(),
        phone=phone.strip(),
        opened_on=opened_on,
    )
    office.full_clean()
    office.save()
    if neighbourhoods is not None:
        ids = [n.pk for n in neighbourhoods]
        Neighbourhood.objects.filter(pk__in=ids).update(office=office)
        _offices_changed(ids)
    return office


@transaction.atomic
def office_update(
    *,
    actor,
    office: Office,
    version: str | None = None,
    neighbourhoods=None,
    **fields,
) -> Office:
    office = locked_fresh(office, version)
    _office_fields(actor, county=office.county, neighbourhoods=neighbourhoods)
    allowed = {"name_fa", "name_en", "address", "phone", "opened_on"}
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(name)
        setattr(office, name, value.strip() if isinstance(value, str) else value)
    office.full_clean()
    office.save(update_fields=[*fields.keys(), "updated_at"])
    if neighbourhoods is not None:
        keep = [n.pk for n in neighbourhoods]
        dropped = list(office.neighbourhoods.exclude(pk__in=keep).values_list("pk", flat=True))
        added = list(
            Neighbourhood.objects.filter(pk__in=keep).exclude(office=office).values_list("pk", flat=True)
        )
        Neighbourhood.objects.filter(pk__in=dropped).update(office=None)
        Neighbourhood.objects.filter(pk__in=added).update(office=office)
        _offices_changed(dropped + added)
    return office


@transaction.atomic
def neighbourhood_create(
    *,
    actor,
    county: County,
    code: str,
    name_fa: str,
    name_en: str = "",
    kind: str = Neighbourhood.Kind.TARGET,
    boundary=None,
    est_population: int | None = None,
    est_households: int | None = None,
    office: Office | None = None,
) -> Neighbourhood:
    _require_province(actor, county.province)
    if office is not None:
        _check_office_county(office, county.pk)
    neighbourhood = Neighbourhood(
        county=county,
        code=code.strip().upper(),
        name_fa=name_fa.strip(),
        name_en=name_en.strip(),
        kind=kind,
        boundary=parse_boundary(boundary) if boundary else None,
        est_population=est_population,
        est_households=est_households,
        office=office,
    )
    neighbourhood.full_clean()
    neighbourhood.save()
    return neighbourhood


@transaction.atomic
def neighbourhood_update(
    *, actor, neighbourhood: Neighbourhood, version: str | None = None, **fields
) -> Neighbourhood:
    neighbourhood = locked_fresh(neighbourhood, version)
    office_before = neighbourhood.office_id
    _require_province(actor, neighbourhood.county.province)
    allowed = {"name_fa", "name_en", "kind", "boundary", "est_population", "est_households", "office"}
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(name)
        if name == "boundary" and value:
            value = parse_boundary(value)
        if name == "office" and value is not None:
            _check_office_county(value, neighbourhood.county_id)
        setattr(neighbourhood, name, value.strip() if isinstance(value, str) else value)
    neighbourhood.full_clean()
    neighbourhood.save(update_fields=[*fields.keys(), "updated_at"])
    if neighbourhood.office_id != office_before:
        _offices_changed([neighbourhood.pk])
    return neighbourhood
