from django.contrib import admin

from mahalleh.geo.models import County, Neighbourhood, Office, Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "name_en"]
    search_fields = ["code", "name_fa", "name_en"]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "province"]
    list_filter = ["province"]
    search_fields = ["code", "name_fa", "name_en"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "county", "opened_on"]
    list_filter = ["county__province"]
    search_fields = ["code", "name_fa", "name_en"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["code", "name_fa", "kind", "county", "office"]
    list_filter = ["kind", "county__province"]
    search_fields = ["code", "name_fa", "name_en"]
