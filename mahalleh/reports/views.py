"""Report pages: the list (with the form that asks for one), a report (its progress while it is
generated, then the document, the narrative and approval) and its files."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mahalleh.audit.services import audit_record
from mahalleh.core.access import form_page, page_for, run_service
from mahalleh.geo.selectors import province_list
from mahalleh.reports import render as report_render
from mahalleh.reports import selectors, services
from mahalleh.reports.forms import NarrativeForm, ReportRequestForm

reports_view = page_for(selectors.can_read_reports)


@reports_view
def report_list(request):
    user = request.user
    scopes = selectors.generate_scopes(user)
    provinces = province_list(user=user).order_by("code")
    form = None
    if scopes:
        initial = {"language": "fa" if (get_language() or "fa").startswith("fa") else "en"}
        form = ReportRequestForm(request.POST or None, scopes=scopes, provinces=provinces, initial=initial)
    if request.method == "POST" and form is None:
        raise Http404
    context = {"reports": selectors.report_list(user=user)[:200]}
    if form is None:
        return render(request, "reports/list.html", {"form": None, **context})
    return form_page(
        request,
        form=form,
        save=lambda d: services.report_request(
            user=user,
            scope=d["scope"],
            period=d["period"],
            province=d.get("province"),
            language=d["language"],
        ),
        message=_("The report has been requested."),
        done=lambda r: r.get_absolute_url(),
        template="reports/list.html",
        context=context,
    )


@reports_view
def report_detail(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "document": report_render.html(report, for_pdf=False) if report.content else "",
            "can_approve": selectors.can_approve(request.user, report),
            "narrative_form": NarrativeForm(initial={"narrative": report.narrative}),
        },
    )


@reports_view
def report_status(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    return render(request, "reports/_status.html", {"report": report})


@reports_view
@require_POST
def report_narrative(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    if not selectors.can_edit_narrative(request.user, report):
        raise Http404
    form = NarrativeForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            form,
            lambda: services.report_set_narrative(
                user=request.user, report=report, narrative=form.cleaned_data["narrative"]
            ),
            _("The narrative has been saved."),
        )
    return redirect("reports:detail", pk=report.pk)


@reports_view
@require_POST
def report_approve(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    try:
        services.report_approve(user=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The report has been approved; it can no longer change."))
    return redirect("reports:detail", pk=report.pk)


@reports_view
def report_file(request, pk, kind):
    report = selectors.report_get(user=request.user, pk=pk)
    field = {"pdf": report.pdf, "xlsx": report.xlsx}.get(kind)
    if not field:
        raise Http404
    audit_record(user=request.user, action="export", obj=report)
    name = f"report-{report.period}-v{report.version}.{kind}"
    return FileResponse(field.open("rb"), as_attachment=True, filename=name)
