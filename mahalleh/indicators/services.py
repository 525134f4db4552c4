"""Every write of the indicators app: catalogue edits, plans, targets (grid and file), manual
values and their approval. Keyword-only, one transaction each; bad input is refused with a
message at the field (or the row of a file) and nothing is half-saved."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalleh.audit.services import audit_record
from mahalleh.core import scoping
from mahalleh.core.jalali import Period
from mahalleh.core.persian import localized_digits, to_latin_digits
from mahalleh.core.services import require
from mahalleh.geo.models import Neighbourhood
from mahalleh.indicators import selectors
from mahalleh.indicators.models import Indicator, Level, ManualValue, Plan, Target

# The range a figure of each unit can take.
UNIT_RANGE = {
    "percent": (0.0, 100.0),
    "per_1000": (0.0, 1000.0),
    "count": (0.0, math.inf),
    "days": (0.0, 3650.0),
    "score": (0.0, 100.0),
}


def _number(value, field: str) -> float:
    try:
        number = float(to_latin_digits(str(value)).replace("٫", ".").replace(",", "").strip())
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}, code="invalid") from None
    if math.isnan(number) or math.isinf(number):
        raise ValidationError({field: _("Enter a number.")}, code="invalid")
    return number


def check_in_range(indicator: Indicator, value: float, field: str = "value") -> None:
    low, high = UNIT_RANGE[indicator.unit]
    if not low <= value <= high:
        if math.isinf(high):
            message = _("%(name)s is a count: it cannot be negative.")
        else:
            message = _("%(name)s is measured in %(unit)s: enter a value from %(low)s to %(high)s.")
        raise ValidationError(
            {
                field: message
                % {
                    "name": indicator.name,
                    "unit": indicator.get_unit_display(),
                    "low": localized_digits(f"{low:g}"),
                    "high": localized_digits(f"{high:g}"),
                }
            },
            code="out_of_range",
        )
    if indicator.unit == "count" and value != int(value):
        raise ValidationError(
            {field: _("%(name)s is a count: enter a whole number.") % {"name": indicator.name}}
        )


# --------------------------------------------------------------------------- catalogue and plans


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, via: str = "web", **fields) -> Indicator:
    """The national admin edits names, definitions, unit, direction, source and whether it is active.
    A computed indicator's formula (and so its unit) stays in code."""
    require(selectors.can_edit_catalogue(actor))
    allowed = {"name_fa", "name_en", "definition_fa", "definition_en", "source", "active", "order"}
    if indicator.kind == Indicator.Kind.MANUAL:
        allowed |= {"unit", "direction"}
    before = {}
    for key, value in fields.items():
        if key not in allowed:
            raise ValidationError({key: _("This field of a computed indicator is defined in code.")})
        before[key] = getattr(indicator, key)
        setattr(indicator, key, value.strip() if isinstance(value, str) else value)
    indicator.full_clean()
    indicator.save()
    audit_record(
        user=actor,
        action="update",
        obj=indicator,
        changes={k: [before[k], fields[k]] for k in fields},
        via=via,
    )
    return indicator


@transaction.atomic
def plan_create(
    *, actor, name_fa: str, baseline_year: int, first_year: int, last_year: int, name_en: str = ""
) -> Plan:
    require(selectors.can_edit_catalogue(actor))
    if not baseline_year <= first_year <= last_year:
        raise ValidationError({"last_year": _("The years must run baseline ≤ first ≤ last.")})
    plan = Plan(name_fa=name_fa.strip(), name_en=name_en.strip(), baseline_year=baseline_year,
                first_year=first_year, last_year=last_year)  # fmt: skip
    plan.full_clean()
    plan.save()
    return plan


# --------------------------------------------------------------------------- targets


def _check_place(actor, level: str, place) -> None:
    if level == Level.NATION:
        if place is not None:
            raise ValidationError({"place": _("A target for the whole country names no place.")})
        require(actor.is_national)
        return
    if place is None:
        raise ValidationError({"place": _("Choose the place of the target.")})
    model = selectors.LEVEL_MODEL[level]
    if not isinstance(place, model):
        raise ValidationError({"place": _("This place is not of the chosen level.")})
    if not model.objects.filter(selectors.place_q(actor, level), pk=place.pk).exists():
        raise ValidationError({"place": _("This place is outside your scope.")}, code="out_of_scope")
    if level == Level.NEIGHBOURHOOD and place.kind == Neighbourhood.Kind.COMPARISON:
        raise ValidationError(
            {
                "place": _("%(place)s is a comparison neighbourhood: it has no office and no targets.")
                % {"place": place}
            }
        )


def _may_set_level(actor, level: str) -> bool:
    if actor.is_superuser or actor.role == "national_admin":
        return True
    if actor.role == "province_coordinator":
        return level in (Level.PROVINCE, Level.OFFICE, Level.NEIGHBOURHOOD)
    if actor.role == "office_manager":
        return level in (Level.OFFICE, Level.NEIGHBOURHOOD)
    return False


def clean_target(*, actor, plan: Plan, indicator: Indicator, level: str, place, year, value) -> dict:
    """Check one target; raises ValidationError naming the field at fault."""
    require(selectors.can_edit_targets(actor))
    if level not in Level.values:
        raise ValidationError({"level": _("Choose a level: country, province, office or neighbourhood.")})
    if not _may_set_level(actor, level):
        raise ValidationError({"level": _("Your role cannot set targets at this level.")}, code="forbidden")
    if not indicator.active:
        raise ValidationError({"indicator": _("%(name)s is not active.") % {"name": indicator.name}})
    _check_place(actor, level, place)
    try:
        year = int(to_latin_digits(str(year)).strip())
    except ValueError:
        raise ValidationError({"year": _("Enter a Jalali year, for example 1403.")}) from None
    if not plan.covers(year):
        raise ValidationError(
            {
                "year": _("%(year)s is outside the plan %(plan)s (%(first)s–%(last)s).")
                % {"year": year, "plan": plan.name, "first": plan.baseline_year, "last": plan.last_year}
            },
            code="outside_plan",
        )
    number = _number(value, "value")
    check_in_range(indicator, number)
    return {
        "plan": plan,
        "indicator": indicator,
        "level": level,
        "province": place if level == Level.PROVINCE else None,
        "office": place if level == Level.OFFICE else None,
        "neighbourhood": place if level == Level.NEIGHBOURHOOD else None,
        "year": year,
        "value": number,
    }


def _upsert_target(actor, data: dict) -> Target:
    key = {k: data[k] for k in ("plan", "indicator", "level", "province", "office", "neighbourhood", "year")}
    target, _created = Target.objects.update_or_create(
        **key, defaults={"value": data["value"], "updated_by": actor}
    )
    return target


@transaction.atomic
def target_set(
    *, actor, plan: Plan, indicator: Indicator, level: str, place=None, year, value, via="web"
) -> Target:
    """Set one baseline (year = the plan's baseline year) or yearly target."""
    data = clean_target(
        actor=actor, plan=plan, indicator=indicator, level=level, place=place, year=year, value=value
    )
    target = _upsert_target(actor, data)
    audit_record(user=actor, action="update", obj=target, changes={"value": [None, data["value"]]}, via=via)
    return target


@transaction.atomic
def targets_save_grid(*, actor, plan: Plan, level: str, place, cells: dict, via="web") -> int:
    """Save a grid {(indicator, year): value}; empty cells are skipped. Any bad cell refuses all,
    with the messages keyed ``<indicator code>-<year>``."""
    errors = {}
    valid = []
    for (indicator, year), value in cells.items():
        if value in (None, ""):
            continue
        try:
            valid.append(
                clean_target(
                    actor=actor,
                    plan=plan,
                    indicator=indicator,
                    level=level,
                    place=place,
                    year=year,
                    value=value,
                )
            )
        except ValidationError as exc:
            errors[f"{indicator.code}-{year}"] = [m for ms in exc.message_dict.values() for m in ms]
    if errors:
        raise ValidationError(errors)
    for data in valid:
        _upsert_target(actor, data)
    if valid:
        audit_record(
            user=actor, action="update", object_type="targets", changes={"cells": len(valid)}, via=via
        )
    return len(valid)


# --------------------------------------------------------------------------- manual values


def _check_period(period: str) -> Period:
    try:
        return Period.from_code(period)
    except ValueError:
        raise ValidationError(
            {"period": _("Write the period as 1403-05 (a month), 1403-S2 (a season) or 1403 (a year).")}
        ) from None


@transaction.atomic
def manual_value_enter(
    *, actor, indicator: Indicator, neighbourhood: Neighbourhood, period: str, value, source_note: str,
    denominator=None, via="web",
) -> ManualValue:  # fmt: skip
    """An office figure from outside (police, education office, health centre), awaiting approval."""
    require(selectors.can_enter_manual(actor))
    if indicator.kind != Indicator.Kind.MANUAL:
        raise ValidationError(
            {"indicator": _("%(name)s is computed from the registry.") % {"name": indicator.name}}
        )
    if not Neighbourhood.objects.filter(scoping.neighbourhood_q(actor), pk=neighbourhood.pk).exists():
        raise ValidationError({"neighbourhood": _("This neighbourhood is outside your scope.")})
    parsed = _check_period(period)
    plan = selectors.plan_current()
    if plan is not None and not plan.covers(parsed.year):
        raise ValidationError(
            {
                "period": _("%(period)s is outside the plan %(plan)s.")
                % {"period": parsed.label(None), "plan": plan.name}
            }
        )
    if parsed.first_day > timezone.localdate():
        raise ValidationError({"period": _("This period has not begun yet.")})
    number = _number(value, "value")
    check_in_range(indicator, number)
    if not source_note or not source_note.strip():
        raise ValidationError({"source_note": _("Say where the figure comes from.")})
    den = None if denominator in (None, "") else _number(denominator, "denominator")
    if (
        ManualValue.objects.filter(indicator=indicator, neighbourhood=neighbourhood, period=parsed.code)
        .exclude(status=ManualValue.Status.REJECTED)
        .exists()
    ):
        raise ValidationError({"period": _("A figure for this neighbourhood and period is already entered.")})
    mv = ManualValue.objects.create(
        indicator=indicator, neighbourhood=neighbourhood, period=parsed.code, numerator=number,
        denominator=den, source_note=source_note.strip(), entered_by=actor,
    )  # fmt: skip
    audit_record(user=actor, action="create", obj=mv, changes={"value": [None, number]}, via=via)
    return mv


@transaction.atomic
def manual_value_decide(*, actor, value: ManualValue, approve: bool, via="web") -> ManualValue:
    """The office manager approves (it counts from the next refresh) or rejects a manual figure."""
    require(selectors.can_approve_manual(actor))
    value = ManualValue.objects.select_for_update().get(pk=value.pk)
    if not selectors.manual_value_list(user=actor).filter(pk=value.pk).exists():
        raise ValidationError(_("This figure is outside your office."))
    if value.status != ManualValue.Status.PENDING:
        raise ValidationError(_("This figure has already been decided."))
    value.status = ManualValue.Status.APPROVED if approve else ManualValue.Status.REJECTED
    value.decided_by = actor
    value.decided_at = timezone.now()
    value.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        user=actor, action="update", obj=value, changes={"status": ["pending", value.status]}, via=via
    )
    return value
