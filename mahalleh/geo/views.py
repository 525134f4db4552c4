from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mahalleh.core.access import form_page, page_for
from mahalleh.core.forms import initial_from, sent_version
from mahalleh.core.roles import Role, is_national_admin
from mahalleh.core.scoping import can_manage_places
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


# What the office and neighbourhood forms hand to their services, beside the county and the code.
OFFICE_FIELDS = ("name_fa", "name_en", "address", "phone", "opened_on")
NEIGHBOURHOOD_FIELDS = ("name_fa", "name_en", "kind", "office", "est_population", "est_households")


def _can_edit(user, province) -> bool:
    if not can_manage_places(user):
        return False
    return user.role != Role.PROVINCE_COORDINATOR or user.province_id == province.pk


def _place_page(request, kind, place, province, **context):
    """The page of a place of `kind`: its map (`map_id` "<kind>-map") shows the neighbourhoods in it
    (`context["neighbourhoods"]`; a neighbourhood shows itself); `can_edit` says whether the user may
    change places of its `province`."""
    if kind != "neighbourhood":
        context["neighbourhoods"] = selectors.neighbourhood_list(user=request.user, **{kind: place})
    shown = context.get("neighbourhoods", [place])
    return render(
        request,
        f"geo/{kind}_detail.html",
        {
            kind: place,
            **context,
            "features": _features(shown),
            "map_id": f"{kind}-map",
            "can_edit": _can_edit(request.user, province),
        },
    )


def _place_form(
    request, *, kind, place, form_class, initial, save, message, title, multipart=False, **form_kwargs
):
    """The form page of a place of `kind` (a `form_class` form, locked to its code and parent when
    editing `place`), going to its page once `save(cleaned_data)` succeeds."""
    files = [request.FILES or None] if multipart else []
    form = form_class(request.POST or None, *files, editing=bool(place), initial=initial, **form_kwargs)
    return form_page(
        request,
        form=form,
        save=save,
        message=message,
        done=lambda saved: reverse(f"geo:{kind}_detail", args=[saved.pk]),
        template="geo/form.html",
        context={"object": place, "title": title} | ({"multipart": True} if multipart else {}),
    )


def _place_or_new(request, get, pk, *, allowed=can_manage_places):
    """The place `pk` to edit, through its selector `get` (None for a new place), when
    `allowed(user)`; else 404."""
    if not allowed(request.user):
        raise Http404
    return get(user=request.user, pk=pk) if pk else None


def _save_names(request, kind, place, update, create, *chosen):
    """`save` for a province or a county: `update` the place's Persian and English names, or
    `create` it under its code (and the `chosen` values of the form, e.g. its province)."""

    def save(d):
        names = {"name_fa": d["name_fa"], "name_en": d["name_en"]}
        if place:
            return update(actor=request.user, **{kind: place}, **names)
        return create(actor=request.user, code=d["code"], **{k: d[k] for k in chosen}, **names)

    return save


def _save_in_county(request, kind, place, update, create, names, extra):
    """`save` for an office or a neighbourhood: `update` the place (with the version the form
    carried) or `create` it in the chosen county under its code, with the form's fields `names`
    and what `extra(cleaned_data)` adds."""

    def save(d):
        fields = {k: d[k] for k in names} | extra(d)
        if place:
            return update(actor=request.user, version=sent_version(d), **{kind: place}, **fields)
        return create(actor=request.user, county=d["county"], code=d["code"], **fields)

    return save


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
            "can_create": is_national_admin(request.user),
        },
    )


@places_view
def province_detail(request, pk):
    province = selectors.province_get(user=request.user, pk=pk)
    counties = selectors.county_list(user=request.user, province=province)
    offices = selectors.office_list(user=request.user, province=province)
    return _place_page(request, "province", province, province, counties=counties, offices=offices)


@places_view
def province_form(request, pk=None):
    province = _place_or_new(request, selectors.province_get, pk, allowed=is_national_admin)
    return _place_form(
        request,
        kind="province",
        place=province,
        form_class=ProvinceForm,
        initial={n: getattr(province, n) for n in ("code", "name_fa", "name_en")} if province else {},
        save=_save_names(request, "province", province, services.province_update, services.province_create),
        message=_("The province was saved."),
        title=_("Province"),
    )


@places_view
def county_detail(request, pk):
    county = selectors.county_get(user=request.user, pk=pk)
    offices = selectors.office_list(user=request.user, county=county)
    return _place_page(request, "county", county, county.province, offices=offices)


@places_view
def county_form(request, pk=None):
    county = _place_or_new(request, selectors.county_get, pk)
    initial = {n: getattr(county, n) for n in ("code", "name_fa", "name_en", "province")} if county else {}
    if not county and request.GET.get("province"):
        initial = {"province": request.GET["province"]}
    return _place_form(
        request,
        kind="county",
        place=county,
        form_class=CountyForm,
        initial=initial,
        actor=request.user,
        save=_save_names(
            request, "county", county, services.county_update, services.county_create, "province"
        ),
        message=_("The county was saved."),
        title=_("County"),
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
    staff_count = office.staff.filter(is_active=True).count()
    return _place_page(request, "office", office, office.county.province, staff_count=staff_count)


@places_view
def office_form(request, pk=None):
    office = _place_or_new(request, selectors.office_get, pk)
    initial = {}
    if office:
        initial = initial_from(
            office, "county", "code", *OFFICE_FIELDS, neighbourhoods=list(office.neighbourhoods.all())
        )
    return _place_form(
        request,
        kind="office",
        place=office,
        form_class=OfficeForm,
        initial=initial,
        actor=request.user,
        save=_save_in_county(
            request,
            "office",
            office,
            services.office_update,
            services.office_create,
            OFFICE_FIELDS,
            lambda d: {"neighbourhoods": list(d["neighbourhoods"])},
        ),
        message=_("The office was saved."),
        title=_("Facilitation office"),
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
    return _place_page(request, "neighbourhood", neighbourhood, neighbourhood.county.province)


@places_view
def neighbourhood_form(request, pk=None):
    neighbourhood = _place_or_new(request, selectors.neighbourhood_get, pk)
    initial = initial_from(neighbourhood, "county", "code", *NEIGHBOURHOOD_FIELDS) if neighbourhood else {}
    return _place_form(
        request,
        kind="neighbourhood",
        place=neighbourhood,
        form_class=NeighbourhoodForm,
        initial=initial,
        actor=request.user,
        save=_save_in_county(
            request,
            "neighbourhood",
            neighbourhood,
            services.neighbourhood_update,
            services.neighbourhood_create,
            NEIGHBOURHOOD_FIELDS,
            # A boundary is replaced only by a new file.
            lambda d: {"boundary": d["boundary"]} if d.get("boundary") else {},
        ),
        message=_("The neighbourhood was saved."),
        title=_("Neighbourhood"),
        multipart=True,
    )


@places_view
def map_view(request):
    neighbourhoods = selectors.neighbourhood_list(user=request.user)
    return render(
        request,
        "geo/map.html",
        {"neighbourhoods": neighbourhoods, "features": _features(neighbourhoods)},
    )
