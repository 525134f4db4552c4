from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mahalleh.core.access import form_page, page_for
from mahalleh.core.roles import Role
from mahalleh.core.scoping import can_manage_places
from mahalleh.core.services import version_token
from mahalleh.geo import selectors, services
from mahalleh.geo.forms import CountyForm, NeighbourhoodForm, OfficeForm, ProvinceForm
from mahalleh.geo.models import Neighbourhood


def _not_partner(user) -> bool:
    return user.role != Role.PARTNER_USER


# Signed-in staff only; partner users see no places (their scope is their organisation).
places_view = page_for(_not_partner)


def _features(neighbourhoods) -> dict:
    return selectors.neighbourhood_feature_collection(
        neighbourhoods, url_for=lambda n: reverse("geo:neighbourhood_detail", args=[n.pk])
    )


def _can_edit(user, province) -> bool:
    if not can_manage_places(user):
        return False
    return user.role != Role.PROVINCE_COORDINATOR or user.province_id == province.pk


def _detail_url(name: str):
    return lambda saved: reverse(f"geo:{name}_detail", args=[saved.pk])


@places_view
def province_list(request):
    provinces = selectors.province_list(user=request.user)
    if (
        request.user.role not in {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST}
        and not request.user.is_superuser
    ):
        if provinces.count() == 1:
            return redirect("geo:province_detail", pk=provinces.get().pk)
    return render(
        request,
        "geo/province_list.html",
        {
            "provinces": provinces,
            "can_create": request.user.role == Role.NATIONAL_ADMIN or request.user.is_superuser,
        },
    )


@places_view
def province_detail(request, pk):
    province = selectors.province_get(user=request.user, pk=pk)
    counties = selectors.county_list(user=request.user, province=province)
    offices = selectors.office_list(user=request.user, province=province)
    neighbourhoods = selectors.neighbourhood_list(user=request.user, province=province)
    return render(
        request,
        "geo/province_detail.html",
        {
            "province": province,
            "counties": counties,
            "offices": offices,
            "neighbourhoods": neighbourhoods,
            "features": _features(neighbourhoods),
            "can_edit": _can_edit(request.user, province),
        },
    )


@places_view
def province_form(request, pk=None):
    if not (request.user.role == Role.NATIONAL_ADMIN or request.user.is_superuser):
        raise Http404
    province = selectors.province_get(user=request.user, pk=pk) if pk else None
    initial = (
        {"code": province.code, "name_fa": province.name_fa, "name_en": province.name_en} if province else {}
    )
    form = ProvinceForm(request.POST or None, initial=initial)
    if province:
        form.fields["code"].disabled = True

    def save(d):
        if province:
            return services.province_update(
                actor=request.user, province=province, name_fa=d["name_fa"], name_en=d["name_en"]
            )
        return services.province_create(
            actor=request.user, code=d["code"], name_fa=d["name_fa"], name_en=d["name_en"]
        )

    return form_page(
        request,
        form=form,
        save=save,
        message=_("The province was saved."),
        done=_detail_url("province"),
        template="geo/form.html",
        context={"object": province, "title": _("Province")},
    )


@places_view
def county_detail(request, pk):
    county = selectors.county_get(user=request.user, pk=pk)
    offices = selectors.office_list(user=request.user, county=county)
    neighbourhoods = selectors.neighbourhood_list(user=request.user, county=county)
    return render(
        request,
        "geo/county_detail.html",
        {
            "county": county,
            "offices": offices,
            "neighbourhoods": neighbourhoods,
            "features": _features(neighbourhoods),
            "can_edit": _can_edit(request.user, county.province),
        },
    )


@places_view
def county_form(request, pk=None):
    if not can_manage_places(request.user):
        raise Http404
    county = selectors.county_get(user=request.user, pk=pk) if pk else None
    initial = {}
    if county:
        initial = {
            "code": county.code,
            "name_fa": county.name_fa,
            "name_en": county.name_en,
            "province": county.province,
        }
    elif request.GET.get("province"):
        initial = {"province": request.GET["province"]}
    form = CountyForm(request.POST or None, actor=request.user, initial=initial)
    if county:
        form.fields["code"].disabled = True
        form.fields["province"].disabled = True

    def save(d):
        if county:
            return services.county_update(
                actor=request.user, county=county, name_fa=d["name_fa"], name_en=d["name_en"]
            )
        return services.county_create(
            actor=request.user,
            province=d["province"],
            code=d["code"],
            name_fa=d["name_fa"],
            name_en=d["name_en"],
        )

    return form_page(
        request,
        form=form,
        save=save,
        message=_("The county was saved."),
        done=_detail_url("county"),
        template="geo/form.html",
        context={"object": county, "title": _("County")},
    )


@places_view
def office_list(request):
    offices = selectors.office_list(user=request.user)
    if offices.count() == 1 and request.user.role in {Role.OFFICE_MANAGER, Role.FACILITATOR, Role.PR_OFFICER}:
        return redirect("geo:office_detail", pk=offices.get().pk)
    return render(
        request,
        "geo/office_list.html",
        {"offices": offices, "can_create": can_manage_places(request.user)},
    )


@places_view
def office_detail(request, pk):
    office = selectors.office_get(user=request.user, pk=pk)
    neighbourhoods = selectors.neighbourhood_list(user=request.user, office=office)
    return render(
        request,
        "geo/office_detail.html",
        {
            "office": office,
            "neighbourhoods": neighbourhoods,
            "features": _features(neighbourhoods),
            "staff_count": office.staff.filter(is_active=True).count(),
            "can_edit": _can_edit(request.user, office.county.province),
        },
    )


@places_view
def office_form(request, pk=None):
    if not can_manage_places(request.user):
        raise Http404
    office = selectors.office_get(user=request.user, pk=pk) if pk else None
    initial = {}
    if office:
        initial = {
            "county": office.county,
            "code": office.code,
            "name_fa": office.name_fa,
            "name_en": office.name_en,
            "address": office.address,
            "phone": office.phone,
            "opened_on": office.opened_on,
            "neighbourhoods": list(office.neighbourhoods.all()),
            "version": version_token(office),
        }
    form = OfficeForm(request.POST or None, actor=request.user, editing=bool(office), initial=initial)

    def save(d):
        fields = {k: d[k] for k in ("name_fa", "name_en", "address", "phone", "opened_on")}
        neighbourhoods = list(d["neighbourhoods"])
        if office:
            return services.office_update(
                actor=request.user,
                office=office,
                version=d.get("version") or None,
                neighbourhoods=neighbourhoods,
                **fields,
            )
        return services.office_create(
            actor=request.user, county=d["county"], code=d["code"], neighbourhoods=neighbourhoods, **fields
        )

    return form_page(
        request,
        form=form,
        save=save,
        message=_("The office was saved."),
        done=_detail_url("office"),
        template="geo/form.html",
        context={"object": office, "title": _("Facilitation office")},
    )


@places_view
def neighbourhood_list(request):
    kind = request.GET.get("kind") or None
    if kind not in {None, *Neighbourhood.Kind.values}:
        kind = None
    neighbourhoods = selectors.neighbourhood_list(user=request.user, kind=kind)
    return render(
        request,
        "geo/neighbourhood_list.html",
        {
            "neighbourhoods": neighbourhoods,
            "features": _features(neighbourhoods),
            "kind": kind or "",
            "kinds": Neighbourhood.Kind.choices,
            "can_create": can_manage_places(request.user),
        },
    )


@places_view
def neighbourhood_detail(request, pk):
    neighbourhood = selectors.neighbourhood_get(user=request.user, pk=pk)
    return render(
        request,
        "geo/neighbourhood_detail.html",
        {
            "neighbourhood": neighbourhood,
            "features": _features([neighbourhood]),
            "can_edit": _can_edit(request.user, neighbourhood.county.province),
        },
    )


@places_view
def neighbourhood_form(request, pk=None):
    if not can_manage_places(request.user):
        raise Http404
    neighbourhood = selectors.neighbourhood_get(user=request.user, pk=pk) if pk else None
    initial = {}
    if neighbourhood:
        initial = {
            "county": neighbourhood.county,
            "code": neighbourhood.code,
            "name_fa": neighbourhood.name_fa,
            "name_en": neighbourhood.name_en,
            "kind": neighbourhood.kind,
            "office": neighbourhood.office,
            "est_population": neighbourhood.est_population,
            "est_households": neighbourhood.est_households,
            "version": version_token(neighbourhood),
        }
    form = NeighbourhoodForm(
        request.POST or None,
        request.FILES or None,
        actor=request.user,
        editing=bool(neighbourhood),
        initial=initial,
    )

    def save(d):
        fields = {
            k: d[k] for k in ("name_fa", "name_en", "kind", "office", "est_population", "est_households")
        }
        if d.get("boundary"):
            fields["boundary"] = d["boundary"]
        if neighbourhood:
            return services.neighbourhood_update(
                actor=request.user, neighbourhood=neighbourhood, version=d.get("version") or None, **fields
            )
        return services.neighbourhood_create(actor=request.user, county=d["county"], code=d["code"], **fields)

    return form_page(
        request,
        form=form,
        save=save,
        message=_("The neighbourhood was saved."),
        done=_detail_url("neighbourhood"),
        template="geo/form.html",
        context={"object": neighbourhood, "title": _("Neighbourhood"), "multipart": True},
    )


@places_view
def map_view(request):
    neighbourhoods = selectors.neighbourhood_list(user=request.user)
    return render(
        request,
        "geo/map.html",
        {"neighbourhoods": neighbourhoods, "features": _features(neighbourhoods)},
    )
