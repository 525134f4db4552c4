"""What a report says: plain data (JSON-serialisable), computed once by the background job and
stored on the report, then drawn as HTML, PDF and XLSX.

Everything is read as the user who asked for the report, through the owning apps' scoped
selectors: the offices are geo's offices of that user intersected with the report's place (a place
outside the user's scope is refused, never counted), and each count comes from the owning app's
``*_counted`` selector, grouped by the office copy the rows carry. Indicator figures come only from
the indicators app's selectors (the fact table), so an aggregate-only role gets them suppressed
there. Counts below 5 are suppressed here for those roles.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import translation
from django.utils.translation import gettext as _

from mahalleh.activities import selectors as activities
from mahalleh.community import selectors as community
from mahalleh.core.jalali import Period, on_days
from mahalleh.geo import selectors as geo
from mahalleh.geo.models import Neighbourhood
from mahalleh.indicators import selectors as indicators
from mahalleh.indicators.models import Level
from mahalleh.referrals import selectors as referrals
from mahalleh.referrals.models import Referral
from mahalleh.registry import selectors as registry
from mahalleh.registry.models import HarmCase

SMALL = 5

# (key, label, count function) — every function takes (user, office ids, first day, last day) and
# returns {office_id: count}, read through the owning app's scoped selector for that user.


def _per_office(qs, offices, office_path: str = "office_id") -> dict:
    """{office_id: count} of the rows of `qs` in `offices`, their office reached through `office_path`."""
    qs = qs.filter(**{f"{office_path}__in": offices})
    return {row[office_path]: row["n"] for row in qs.values(office_path).order_by().annotate(n=Count("pk"))}


def _registrations(user, offices, first, last):
    qs = registry.person_counted(user=user).filter(on_days("created_at", first, last))
    return _per_office(qs, offices)


def _harms_identified(user, offices, first, last):
    return _per_office(
        registry.harm_case_counted(user=user).filter(identified_on__range=(first, last)), offices
    )


def _harms_resolved(user, offices, first, last):
    resolved = registry.harm_case_event_counted(user=user).filter(to_status=HarmCase.Status.RESOLVED)
    return _per_office(resolved.filter(on__range=(first, last)), offices, "case__office_id")


def _activities(user, offices, first, last):
    running = Q(ends_on__isnull=True) | Q(ends_on__gte=first)
    return _per_office(activities.activity_counted(user=user).filter(running, starts_on__lte=last), offices)


def _sessions(user, offices, first, last):
    qs = activities.session_counted(user=user).filter(date__range=(first, last))
    return _per_office(qs, offices, "activity__office_id")


def _attendance(user, offices, first, last):
    qs = activities.attendance_counted(user=user).filter(session__date__range=(first, last), present=True)
    return _per_office(qs, offices, "session__activity__office_id")


def _referrals_sent(user, offices, first, last):
    qs = referrals.referral_counted(user=user).filter(on_days("created_at", first, last))
    return _per_office(qs, offices)


def _referrals_closed(user, first, last):
    return referrals.referral_counted(user=user).filter(on_days("closed_at", first, last))


def _referrals_delivered(user, offices, first, last):
    delivered = Referral.Outcome.DELIVERED
    return _per_office(_referrals_closed(user, first, last).filter(outcome=delivered), offices)


def _referrals_closed_other(user, offices, first, last):
    delivered = Referral.Outcome.DELIVERED
    return _per_office(_referrals_closed(user, first, last).exclude(outcome=delivered), offices)


def _groups(user, offices, first, last):
    return _per_office(community.group_counted(user=user).filter(founded_on__lte=last), offices)


def _meetings(user, offices, first, last):
    qs = community.meeting_counted(user=user).filter(date__range=(first, last))
    return _per_office(qs, offices, "group__office_id")


def measures():
    """The report's count sections, in order (labels in the active language)."""
    return [
        ("registrations", _("Residents registered"), _registrations),
        ("harms_identified", _("Harms identified"), _harms_identified),
        ("harms_resolved", _("Harms resolved"), _harms_resolved),
        ("activities", _("Activities running"), _activities),
        ("sessions", _("Sessions held"), _sessions),
        ("attendance", _("Attendances"), _attendance),
        ("referrals_sent", _("Referrals sent"), _referrals_sent),
        ("referrals_delivered", _("Referrals delivered"), _referrals_delivered),
        ("referrals_closed_other", _("Referrals closed otherwise"), _referrals_closed_other),
        ("groups", _("Community groups"), _groups),
        ("meetings", _("Group meetings"), _meetings),
    ]


def period_ended(period: Period, today: datetime.date) -> bool:
    return period.last_day < today


def _cell(n: int, suppress: bool) -> dict:
    """A count as stored: the number, or suppressed (1–4 for aggregate-only readers)."""
    if suppress and 0 < n < SMALL:
        return {"n": None, "suppressed": True}
    return {"n": n, "suppressed": False}


class OutOfScope(PermissionDenied):
    """The report names a place its requester may not read: nothing is counted."""


def report_offices(*, report, user) -> list:
    """The offices the report counts: geo's offices of ``user`` intersected with the report's place.

    A place outside the user's scope (an office not theirs, a province they do not cover, the
    whole country for anyone but a national role) is refused with ``OutOfScope``, whatever the
    report row says: a tampered row can never count another office's residents.
    """
    from mahalleh.reports.models import Report
    from mahalleh.reports.selectors import generate_scopes

    refused = OutOfScope(_("The report's place is outside the scope of the person who asked for it."))
    if user is None:
        raise refused
    offices = geo.office_list(user=user).order_by("code")
    if report.scope == Report.Scope.OFFICE:
        offices = offices.filter(pk=report.office_id) if report.office_id else offices.none()
        found = list(offices)
        if not found:
            raise refused
        return found
    if report.scope not in generate_scopes(user):
        raise refused
    if report.scope == Report.Scope.PROVINCE:
        if not report.province_id or not geo.province_list(user=user).filter(pk=report.province_id).exists():
            raise refused
        offices = offices.filter(county__province_id=report.province_id)
    return list(offices)


def build(*, report, user, progress=lambda pct: None) -> dict:
    """The report's content as plain data. ``progress(pct)`` is called as sections are done."""
    period = Period.from_code(report.period)
    first, last = period.first_day, period.last_day
    with translation.override(report.language):
        offices = report_offices(report=report, user=user)
        ids = [o.pk for o in offices]
        suppress = report.suppressed
        steps = measures()
        counts = {}
        for i, (key, _label, fn) in enumerate(steps):
            counts[key] = fn(user, ids, first, last)
            progress(10 + int(60 * (i + 1) / len(steps)))
        totals = {key: sum(by.values()) for key, by in counts.items()}
        sections = [
            {"key": key, "label": str(label), **_cell(totals[key], suppress)} for key, label, _fn in steps
        ]
        has_data = any(totals.values())
        biggest = max([totals[k] for k in totals] + [1])
        for s in sections:
            s["width"] = 0 if s["n"] is None else 5 * round(20 * s["n"] / biggest)
        office_rows = []
        if report.scope != "office":
            for o in offices:
                cells = [_cell(counts[key].get(o.pk, 0), suppress) for key, _l, _f in steps]
                office_rows.append(
                    {
                        "name": o.name,
                        "cells": cells,
                        "activity": sum(
                            counts[k].get(o.pk, 0) for k in ("sessions", "meetings", "referrals_sent")
                        ),
                    }
                )
            office_rows.sort(key=lambda r: -r["activity"])
            for rank, row in enumerate(office_rows, start=1):
                row["rank"] = rank
        indicator_rows = _indicators(report=report, user=user, period=period)
        progress(80)
        evaluation = _evaluation(report=report, user=user) if report.scope != "office" else None
        shapes = _map(report, user) if report.scope != "office" else None
        progress(90)
        return {
            "period_label": period.label(report.language),
            "measures": [str(label) for _k, label, _f in steps],
            "sections": sections,
            "offices": office_rows,
            "indicators": indicator_rows,
            "evaluation": evaluation,
            "map": shapes,
            "has_data": has_data or any(r["value"] is not None for r in indicator_rows),
        }


def _indicators(*, report, user, period: Period) -> list[dict]:
    """Each active indicator of the place in the period, with the year's target and progress."""
    if user is None or not indicators.can_see_indicators(user):
        return []
    if report.scope == "office":
        level, place = Level.OFFICE, report.office
    elif report.scope == "province":
        level, place = Level.PROVINCE, report.province
    else:
        level, place = Level.NATION, None
    rows = []
    for indicator in indicators.indicator_list(user=user):
        if place is None:
            _rows, fig = indicators.indicator_values(
                user=user, indicator=indicator, level=Level.NATION, period=period.code
            )
        else:
            figs, _total = indicators.indicator_values(
                user=user, indicator=indicator, level=level, period=period.code, place_ids=[place.pk]
            )
            fig = figs[0] if figs else None
        if fig is None:
            continue
        progress = indicators.progress_for(
            user=user, indicator=indicator, level=level, place=place, year=period.year
        )
        value = None if fig.value is None else round(float(fig.value), 1)
        rows.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "value": value,
                "suppressed": fig.suppressed,
                "target": None if progress.target is None else round(float(progress.target), 1),
                "percent": progress.percent,
                "status": str(progress.status_label),
                "width": 0
                if value is None or indicator.unit != "percent"
                else 5 * round(max(0, min(100, value)) / 5),
            }
        )
    return rows


def _evaluation(*, report, user) -> dict:
    """The evaluation table (difference in differences per survey item) of the province or the
    nation, from ``mahalleh.evaluation``, as the user who asked may see it; or why there is none."""
    from mahalleh.evaluation.results import EvaluationError, evaluation_run
    from mahalleh.evaluation.selectors import can_read_results

    if user is None or not can_read_results(user):
        return {"rows": [], "message": _("The evaluation is not shown to this role.")}
    province = report.province if report.scope == "province" else None
    try:
        evaluation = evaluation_run(user=user, province=province)
    except EvaluationError as exc:
        return {"rows": [], "message": str(exc.message)}
    rows = []
    for row in evaluation.rows:
        fit = row.fit
        rows.append(
            {
                "name": row.item.name,
                "estimate": None if fit is None else round(100 * fit.estimate, 1),
                "ci_low": None if fit is None else round(100 * fit.ci_low, 1),
                "ci_high": None if fit is None else round(100 * fit.ci_high, 1),
                "p_value": None if fit is None else round(fit.p_value, 3),
                "sentence": row.sentence if fit is not None else row.message,
            }
        )
    return {
        "rows": rows,
        "clusters": evaluation.clusters,
        "few_clusters": evaluation.few_clusters,
        "message": "",
    }


def _rings(geometry) -> list:
    if not isinstance(geometry, dict):
        return []
    if geometry.get("type") == "Polygon":
        return geometry.get("coordinates", [])[:1]
    if geometry.get("type") == "MultiPolygon":
        return [poly[0] for poly in geometry.get("coordinates", []) if poly]
    return []


def _map(report, user, width: int = 600, height: int = 360) -> dict | None:
    """Neighbourhood outlines as SVG paths (no text in the SVG: labels stay in HTML, where Persian
    shapes correctly), target neighbourhoods filled dark and comparison ones light and dashed."""
    hoods = geo.neighbourhood_list(user=user).filter(boundary__isnull=False).select_related(None)
    if report.scope == "province":
        hoods = hoods.filter(county__province_id=report.province_id)
    rings = [(h.kind, ring) for h in hoods.only("kind", "boundary") for ring in _rings(h.boundary)]
    points = [pt for _kind, ring in rings for pt in ring if len(pt) >= 2]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    scale = min((width - 20) / max(east - west, 1e-6), (height - 20) / max(north - south, 1e-6))
    paths = []
    for kind, ring in rings:
        xy = [
            f"{10 + (p[0] - west) * scale:.1f},{10 + (north - p[1]) * scale:.1f}" for p in ring if len(p) >= 2
        ]
        paths.append({"d": "M" + " L".join(xy) + " Z", "comparison": kind == Neighbourhood.Kind.COMPARISON})
    return {
        "width": width,
        "height": height,
        "paths": paths,
        "target": sum(1 for p in paths if not p["comparison"]),
        "comparison": sum(1 for p in paths if p["comparison"]),
    }
