"""Evaluation pages: the results per province and for the nation, survey rounds, the household
survey screen, and the survey-sheet import. Thin: reads through ``selectors``/``results``,
writes through ``services``/``importer``."""

from __future__ import annotations

import os
import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mahalleh.core.access import form_page, page_for
from mahalleh.evaluation import estimator, importer, selectors, services
from mahalleh.evaluation.charts import event_chart
from mahalleh.evaluation.forms import MemberAnswersForm, RoundForm, SurveyImportForm
from mahalleh.evaluation.items import survey_items
from mahalleh.evaluation.results import EvaluationError, evaluation_run
from mahalleh.registry.models import Person
from mahalleh.registry.selectors import can_edit_registry, person_list

results_view = page_for(selectors.can_read_results)
survey_view = page_for(selectors.can_survey)
rounds_admin_view = page_for(selectors.can_manage_rounds)


def _any_evaluation_role(user) -> bool:
    return selectors.can_read_results(user) or selectors.can_survey(user)


@page_for(_any_evaluation_role)
def index(request):
    user = request.user
    return render(
        request,
        "evaluation/index.html",
        {
            "provinces": selectors.result_provinces(user=user),
            "national": selectors.can_read_results(user) and user.province_id is None,
            "rounds": selectors.round_list(user=user) if selectors.can_survey(user) else [],
            "can_manage": selectors.can_manage_rounds(user),
            "can_read_results": selectors.can_read_results(user),
        },
    )


def _results_page(request, province):
    user = request.user
    context = {"province": province, "error": None, "evaluation": None}
    try:
        evaluation = evaluation_run(user=user, province=province)
    except EvaluationError as exc:
        context["error"] = exc
    else:
        context["evaluation"] = evaluation
        context["rows"] = [
            {"row": row, "chart": event_chart(row.fit) if row.fit else ""} for row in evaluation.rows
        ]
    context["aggregate_only"] = selectors.is_aggregate_only(user)
    context["install_hint"] = estimator.INSTALL_HINT
    context["small_cell"] = selectors.SMALL_CELL
    return render(request, "evaluation/results.html", context)


@results_view
def results_nation(request):
    if request.user.province_id is not None:  # a coordinator sees their province, not the nation
        raise Http404
    return _results_page(request, None)


@results_view
def results_province(request, code):
    return _results_page(request, selectors.result_province_get(user=request.user, code=code))


# --------------------------------------------------------------------------- rounds


@rounds_admin_view
def round_create(request):
    user = request.user
    return form_page(
        request,
        form=RoundForm(request.POST or None, actor=user, initial={"households_per_neighbourhood": 30}),
        save=lambda d: services.survey_round_create(actor=user, **d),
        message=_("The round was created. Draw its sample next."),
        done=lambda round_: reverse("evaluation:round", args=[round_.pk]),
        template="evaluation/round_form.html",
    )


@survey_view
def round_detail(request, pk):
    user = request.user
    round_ = selectors.round_get(user=user, pk=pk)
    samples = list(selectors.sample_list(user=user, round=round_))
    answered = set(
        selectors.response_list(user=user, round=round_).values_list("sample_id", flat=True).distinct()
    )
    return render(
        request,
        "evaluation/round_detail.html",
        {
            "round": round_,
            "neighbourhoods": round_.neighbourhoods.select_related("county").order_by("kind", "name_fa"),
            "samples": samples,
            "answered": answered,
            "can_manage": selectors.can_manage_rounds(user),
        },
    )


@rounds_admin_view
@require_POST
def round_draw(request, pk):
    user = request.user
    round_ = selectors.round_get(user=user, pk=pk)
    try:
        count = services.survey_sample_draw(actor=user, round=round_)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("%(n)s households were drawn.") % {"n": count})
    return redirect("evaluation:round", pk=round_.pk)


# --------------------------------------------------------------------------- household screen


def _harm_choices():
    return [(i.code.removeprefix("harm_"), i.name) for i in survey_items() if i.code.startswith("harm_")]


@survey_view
def household_survey(request, pk, sample_pk):
    user = request.user
    round_ = selectors.round_get(user=user, pk=pk)
    sample = selectors.sample_get(user=user, round=round_, pk=sample_pk)
    members = list(
        person_list(user=user, household=sample.household, status=Person.Status.ACTIVE).order_by("pk")
    )
    existing = {
        r.person_id: r for r in selectors.response_list(user=user, round=round_).filter(sample=sample)
    }
    harm_choices = _harm_choices()
    forms = []
    for person in members:
        initial = (
            MemberAnswersForm.initial_from(existing[person.pk])
            if person.pk in existing
            else {"age": services.age_on(person.birth_date, round_.held_on)}
        )
        forms.append(
            (
                person,
                MemberAnswersForm(
                    request.POST or None, prefix=f"p{person.pk}", initial=initial, harm_choices=harm_choices
                ),
            )
        )
    problem = None
    if request.method == "POST":
        if all(f.is_valid() for _p, f in forms):
            try:
                services.survey_household_save(
                    actor=user, sample=sample, answers={p.pk: f.answers() for p, f in forms}, via="web"
                )
            except ValidationError as exc:
                problem = exc.messages[0]
                for person, form in forms:
                    for field, msgs in getattr(exc, "members", {}).get(person.pk, {}).items():
                        form.add_error(field if field in form.fields else None, msgs)
            except PermissionDenied as exc:
                problem = str(exc)
            else:
                messages.success(request, _("The answers of this household were saved."))
                return redirect(_next_household(round_, sample, user))
        else:
            problem = _("Some answers need correcting; nothing was saved.")
    can_copy = can_edit_registry(user)
    return render(
        request,
        "evaluation/household.html",
        {
            "round": round_,
            "sample": sample,
            "forms": [{"person": p, "form": f, "response": existing.get(p.pk)} for p, f in forms],
            "problem": problem,
            "can_copy": can_copy,
            "copyable": services.COPYABLE,
        },
    )


def _next_household(round_, sample, user):
    later = (
        selectors.sample_list(user=user, round=round_)
        .filter(neighbourhood_id=sample.neighbourhood_id, order__gt=sample.order)
        .order_by("order")
        .first()
    )
    if later:
        return reverse("evaluation:household", args=[round_.pk, later.pk])
    return reverse("evaluation:round", args=[round_.pk])


@survey_view
@require_POST
def answer_copy(request, pk, response_pk, answer):
    user = request.user
    response = selectors.response_list(user=user).select_related("sample").filter(pk=response_pk).first()
    if response is None or response.round_id != int(pk):
        raise Http404
    try:
        services.survey_answer_copy(actor=user, response=response, answer=answer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The answer was copied into the registry (recorded in the audit log)."))
    return redirect("evaluation:household", pk=response.round_id, sample_pk=response.sample_id)


# --------------------------------------------------------------------------- survey sheet


@survey_view
def survey_sheet(request, pk):
    user = request.user
    round_ = selectors.round_get(user=user, pk=pk)
    samples = list(selectors.sample_list(user=user, round=round_))
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    importer.write_sheet(path, round=round_, samples=samples)
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=f"survey-{round_.pk}.xlsx")  # noqa: SIM115
    os.unlink(path)  # the open handle keeps the data until the response is sent
    return response


def _stored_upload(request, round_pk) -> str | None:
    return request.session.get(f"survey-import-{round_pk}")


@survey_view
def survey_import(request, pk):
    user = request.user
    round_ = selectors.round_get(user=user, pk=pk)
    form = SurveyImportForm(request.POST or None, request.FILES or None)
    key = f"survey-import-{round_.pk}"
    result = None
    stored = request.session.get(key)
    if request.method == "POST" and "commit" in request.POST and stored:
        try:
            result = importer.survey_import_run(
                actor=user, round=round_, path=stored["path"], name=stored["name"], commit=True
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if result.committed:
                _forget(request, key)
                messages.success(request, _("%(n)s answers were saved.") % {"n": result.saved})
                return redirect("evaluation:round", pk=round_.pk)
    elif request.method == "POST" and form.is_valid():
        _forget(request, key)
        upload = form.cleaned_data["file"]
        suffix = os.path.splitext(upload.name)[1][:8]
        fd, path = tempfile.mkstemp(suffix=suffix, prefix="survey-")
        with os.fdopen(fd, "wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
        result = importer.survey_import_run(actor=user, round=round_, path=path, name=upload.name)
        if result.failed:
            form.add_error("file", result.file_message)
            os.unlink(path)
        else:
            request.session[key] = {"path": path, "name": upload.name, "errors": len(result.errors)}
            report_fd, report_path = tempfile.mkstemp(suffix=".xlsx", prefix="survey-report-")
            os.close(report_fd)
            importer.write_report(report_path, result)
            request.session[key]["report"] = report_path
    return render(
        request,
        "evaluation/import.html",
        {"round": round_, "form": form, "result": result, "errors": result.shown_errors() if result else []},
    )


def _forget(request, key):
    stored = request.session.pop(key, None) or {}
    for name in ("path", "report"):
        if stored.get(name) and os.path.exists(stored[name]):
            os.unlink(stored[name])


@survey_view
def survey_import_report(request, pk):
    round_ = selectors.round_get(user=request.user, pk=pk)
    stored = request.session.get(f"survey-import-{round_.pk}") or {}
    if not stored.get("report") or not os.path.exists(stored["report"]):
        raise Http404
    return FileResponse(
        open(stored["report"], "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=f"survey-{round_.pk}-errors.xlsx",
    )
