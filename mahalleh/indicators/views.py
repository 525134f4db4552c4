"""Pages of the indicators app: the role dashboards (the home page), their table downloads, the
catalogue, targets and manual values. Thin: figures come from selectors/dashboards, writes from
services."""

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mahalleh.accounts.models import Role
from mahalleh.core.access import form_page, page_for
from mahalleh.core.i18n import is_persian
from mahalleh.geo import selectors as geo
from mahalleh.indicators import dashboards, selectors, services
from mahalleh.indicators.models import Indicator, Level
from mahalleh.registry.exports import write_csv, write_xlsx


def _common(request, filters):
    return {
        "filters": filters,
        "choices": dashboards.filter_choices(),
        "indicators": selectors.active_indicators(user=request.user),
        "last_refreshed": selectors.last_refreshed(),
        "exact": selectors.exact_figures(request.user),
    }


@page_for(selectors.can_see_indicators)
def dashboard(request):
    # Every table of the page reads the facts, places and targets once for all indicators.
    with selectors.batched():
        return _dashboard(request)


def _dashboard(request):
    # The user object itself, not the request's lazy wrapper: every figure reads the role and the
    # scope, a few thousand reads a page, and each one through the wrapper costs.
    user = getattr(request.user, "_wrapped", request.user)
    filters = dashboards.parse_filters(user, request.GET)
    context = _common(request, filters)
    if user.role == Role.FACILITATOR:
        context["panel"] = dashboards.facilitator_panel(user)
        context["table"] = dashboards.indicator_table(user, filters)
        return render(request, "indicators/dashboard_facilitator.html", context)
    context["table"] = dashboards.indicator_table(user, filters)
    context["trend"] = dashboards.trend(user, filters)
    context["places"] = dashboards.places_table(user, filters)
    if user.role == Role.OFFICE_MANAGER:
        context["staff"] = dashboards.staff_activity(user, filters)
        context["pending"] = list(dashboards.pending_manual(user)[:20])
    if user.role == Role.PROVINCE_COORDINATOR or user.is_national:
        context["ranking"] = dashboards.ranking(context["places"])
        if user.role == Role.PROVINCE_COORDINATOR:
            hoods = dashboards.places_table(user, filters, level=Level.NEIGHBOURHOOD)
            context["hood_ranking"] = dashboards.ranking(hoods)
            context["map"] = dashboards.map_features(user, filters)
    return render(request, "indicators/dashboard.html", context)


TABLES = {"indicators", "places"}


@page_for(selectors.can_see_indicators)
def dashboard_download(request, table: str, fmt: str):
    """The dashboard's table as CSV or XLSX, exactly as shown (suppressed cells included)."""
    if table not in TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    with selectors.batched():
        return _dashboard_download(request, table, fmt)


def _dashboard_download(request, table: str, fmt: str):
    user = request.user
    filters = dashboards.parse_filters(user, request.GET)
    if table == "indicators":
        data = dashboards.indicator_table(user, filters)
        header = [
            _("Indicator"),
            _("Unit"),
            _("Value"),
            _("Baseline"),
            _("Target"),
            _("Progress"),
            _("Status"),
        ]
        rows = [
            [
                r["indicator"].name,
                r["indicator"].get_unit_display(),
                _cell(r["figure"]),
                r["progress"].baseline,
                r["progress"].target,
                r["progress"].percent,
                str(r["progress"].status_label),
            ]
            for r in data["rows"]
        ]
    else:
        data = dashboards.places_table(user, filters)
        ind = filters.indicator
        header = [
            _("Place"),
            (ind.name if ind else ""),
            _("Numerator"),
            _("Denominator"),
            _("Progress"),
            _("Status"),
        ]
        rows = []
        for r in data["rows"]:
            fig = r["figure"]
            rows.append(
                [fig.place_name, _cell(fig), fig.numerator, fig.denominator, r["progress"].percent,
                 str(r["progress"].status_label)]
            )  # fmt: skip
        if data.get("total"):
            fig = data["total"]["figure"]
            rows.append([_("Total"), _cell(fig), fig.numerator, fig.denominator, None, ""])
    buffer = io.BytesIO()
    if fmt == "csv":
        write_csv(buffer, header, iter(rows))
        content_type = "text/csv; charset=utf-8"
    else:
        write_xlsx(buffer, header, iter(rows), right_to_left=is_persian())
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    buffer.seek(0)
    name = f"mahalleh-{table}-{filters.period.code}.{fmt}"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=content_type)


def _cell(fig):
    if fig.suppressed:
        return str(selectors.FEWER_THAN_5)
    return None if fig.value is None else round(fig.value, 2)


@page_for(selectors.can_see_indicators)
def catalogue(request):
    return render(
        request,
        "indicators/catalogue.html",
        {
            "indicators": selectors.indicator_list(user=request.user, include_inactive=True),
            "can_edit": selectors.can_edit_catalogue(request.user),
        },
    )


@page_for(selectors.can_see_indicators)
def indicator_detail(request, code):
    try:
        indicator = selectors.indicator_get(user=request.user, code=code)
    except Indicator.DoesNotExist:
        raise Http404 from None
    return render(request, "indicators/indicator_detail.html", {"indicator": indicator})


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name_fa", "name_en", "definition_fa", "definition_en", "source", "active"]


@page_for(selectors.can_edit_catalogue)
def indicator_edit(request, code):
    indicator = get_object_or_404(
        selectors.indicator_list(user=request.user, include_inactive=True), code=code
    )
    return form_page(
        request,
        form=IndicatorForm(request.POST or None, instance=Indicator.objects.get(pk=indicator.pk)),
        save=lambda data: services.indicator_update(actor=request.user, indicator=indicator, **data),
        message=_("The indicator was saved."),
        done=lambda _obj: reverse("indicators:detail", kwargs={"code": code}),
        template="indicators/form.html",
        context={"title": indicator.name},
    )


# --------------------------------------------------------------------------- manual values


class ManualValueForm(forms.Form):
    indicator = forms.ModelChoiceField(queryset=Indicator.objects.none(), label=gettext_lazy("Indicator"))
    neighbourhood = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Neighbourhood"))
    period = forms.CharField(
        label=gettext_lazy("Period"),
        help_text=gettext_lazy("1403-05 for a month, 1403-S2 for a season, 1403 for a year."),
    )
    value = forms.CharField(label=gettext_lazy("Value"))
    source_note = forms.CharField(label=gettext_lazy("Source"), max_length=300)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = selectors.indicator_list(user=user).filter(
            kind=Indicator.Kind.MANUAL
        )
        self.fields["neighbourhood"].queryset = geo.neighbourhood_list(user=user).filter(kind="target")


@page_for(lambda u: selectors.can_see_indicators(u) and u.sees_personal_data)
def manual_list(request):
    return render(
        request,
        "indicators/manual_list.html",
        {
            "values": selectors.manual_value_list(user=request.user)[:200],
            "can_enter": selectors.can_enter_manual(request.user),
            "can_approve": selectors.can_approve_manual(request.user),
        },
    )


@page_for(selectors.can_enter_manual)
def manual_create(request):
    return form_page(
        request,
        form=ManualValueForm(request.POST or None, user=request.user),
        save=lambda data: services.manual_value_enter(actor=request.user, **data),
        message=_("The figure was saved and waits for the office manager's approval."),
        done=lambda _obj: reverse("indicators:manual_list"),
        template="indicators/form.html",
        context={"title": _("Enter a figure")},
    )


@require_POST
@page_for(selectors.can_approve_manual)
def manual_decide(request, pk):
    value = get_object_or_404(selectors.manual_value_list(user=request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.manual_value_decide(actor=request.user, value=value, approve=approve)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The figure was approved.") if approve else _("The figure was rejected."))
    return redirect(request.POST.get("next") or reverse("indicators:manual_list"))


# --------------------------------------------------------------------------- targets


@page_for(selectors.can_edit_targets)
def targets(request):
    """A grid: one row per indicator, one column per year of the plan (the baseline year first)."""
    user = request.user
    plan = selectors.plan_current()
    if plan is None:
        messages.info(request, _("There is no plan yet."))
        return redirect("indicators:dashboard")
    level, place = _target_place(request)
    years = [plan.baseline_year, *plan.years]
    indicators = list(selectors.indicator_list(user=user))
    existing = {
        (t.indicator_id, t.year): t.value
        for t in selectors.target_list(user=user, plan=plan).filter(
            level=level, **({level: place} if place is not None else {})
        )
    }
    errors = {}
    if request.method == "POST":
        cells = {}
        for ind in indicators:
            for year in years:
                raw = request.POST.get(f"t-{ind.code}-{year}", "").strip()
                if raw or (ind.pk, year) in existing:
                    if raw:
                        cells[(ind, year)] = raw
        try:
            saved = services.targets_save_grid(actor=user, plan=plan, level=level, place=place, cells=cells)
        except ValidationError as exc:
            errors = exc.message_dict
            messages.error(request, _("Nothing was saved: correct the cells marked below."))
        except PermissionDenied as exc:
            errors = {"__all__": [str(exc)]}
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(count)s targets were saved.") % {"count": saved})
            return redirect(f"{reverse('indicators:targets')}?at={level}:{place.pk if place else ''}")
    grid = []
    for ind in indicators:
        cells = []
        for year in years:
            name = f"t-{ind.code}-{year}"
            value = request.POST.get(name) if request.method == "POST" else existing.get((ind.pk, year), "")
            cells.append({"name": name, "year": year, "value": "" if value is None else value,
                          "errors": errors.get(f"{ind.code}-{year}", [])})  # fmt: skip
        grid.append({"indicator": ind, "cells": cells})
    return render(
        request,
        "indicators/targets.html",
        {"plan": plan, "years": years, "grid": grid, "level": level, "place": place,
         "place_choices": _target_place_choices(user), "current_at": f"{level}:{place.pk if place else ''}"},
    )  # fmt: skip


def _target_place_choices(user) -> list[tuple[str, str]]:
    out = []
    if user.is_superuser or user.role == Role.NATIONAL_ADMIN:
        out.append(("nation:", str(Level.NATION.label)))
    for level in (Level.PROVINCE, Level.OFFICE, Level.NEIGHBOURHOOD):
        if user.role == Role.OFFICE_MANAGER and level == Level.PROVINCE:
            continue
        for p in selectors.places(user=user, level=level):
            if level == Level.NEIGHBOURHOOD and p.kind == "comparison":
                continue
            out.append((f"{level}:{p.pk}", f"{Level(level).label}: {p.name}"))
    return out


def _target_place(request):
    user = request.user
    raw = request.GET.get("at") or request.POST.get("at") or ""
    if not raw and request.GET.get("level"):
        raw = f"{request.GET.get('level')}:{request.GET.get('place', '')}"
    choices = dict(_target_place_choices(user))
    if raw not in choices:
        raw = next(iter(choices), "nation:")
    level, _sep, pk = raw.partition(":")
    place = None
    if level != Level.NATION and pk:
        place = selectors.places(user=user, level=level).filter(pk=pk).first()
        if place is None:
            raise Http404
    return level, place


# --------------------------------------------------------------------------- targets from a file

IMPORT_SESSION_KEY = "indicators_targets_import"


class TargetFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=gettext_lazy(
            "Columns: indicator, level, place, year, value (Persian headers are fine too)."
        ),
    )


@page_for(selectors.can_edit_targets)
def targets_import(request):
    """Dry run first (every bad row listed, with a downloadable report), then commit the valid rows."""
    from mahalleh.indicators import targets_import as importer

    plan = selectors.plan_current()
    if plan is None:
        messages.info(request, _("There is no plan yet."))
        return redirect("indicators:dashboard")
    stored = request.session.get(IMPORT_SESSION_KEY)
    if request.GET.get("report") and stored:
        buffer = io.BytesIO()
        header = [_("Row"), _("Column"), _("Value"), _("Reason")]
        rows = [[e["row"], e["column"], e["value"], e["reason"]] for e in stored["errors"]]
        write_xlsx(buffer, header, iter(rows), right_to_left=is_persian())
        buffer.seek(0)
        return FileResponse(buffer, as_attachment=True, filename="target-import-errors.xlsx")
    form = TargetFileForm()
    if request.method == "POST" and request.POST.get("action") == "commit" and stored:
        try:
            count = importer.commit(actor=request.user, plan=plan, valid=stored["valid"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(request, _("%(count)s targets were saved.") % {"count": count})
            return redirect("indicators:targets")
    elif request.method == "POST":
        form = TargetFileForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = importer.read_rows(upload.read(), upload.name)
            except (ValidationError, UnicodeDecodeError, ValueError) as exc:
                form.add_error(
                    "file", " ".join(getattr(exc, "messages", [])) or _("The file cannot be read.")
                )
            else:
                result = importer.check(actor=request.user, plan=plan, rows=rows)
                stored = {"rows": result.rows, "valid": result.valid, "errors": result.errors}
                request.session[IMPORT_SESSION_KEY] = stored
    return render(request, "indicators/targets_import.html", {"form": form, "result": stored, "plan": plan})
