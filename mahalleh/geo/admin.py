from django.contrib import admin

from mahalleh.geo.models import County, Neighbourhood, Office, Province


class NamedPlaceAdmin(admin.ModelAdmin):
    """A place (`NamedPlace`) is found by its code or either of its names."""

    search_fields = ["code", "name_fa", "name_en"]


@admin.register(Province)
class ProvinceAdmin(NamedPlaceAdmin):
    list_display = ["code", "name_fa", "name_en"]


@admin.register(County)
class CountyAdmin(NamedPlaceAdmin):
    list_display = ["code", "name_fa", "province"]
    list_filter = ["province"]


@admin.register(Office)
class OfficeAdmin(NamedPlaceAdmin):
    list_display = ["code", "name_fa", "county", "opened_on"]
    list_filter = ["county__province"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(NamedPlaceAdmin):
    list_display = ["code", "name_fa", "kind", "county", "office"]
    list_filter = ["kind", "county__province"]
