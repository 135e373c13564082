from __future__ import annotations

from django.contrib import admin

from concord.regions.models import City, Country, FederalDistrict, Region


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_en", "timezone"]
    search_fields = ["code", "name_ru", "name_en"]


@admin.register(FederalDistrict)
class FederalDistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_en", "country"]
    list_filter = ["country"]
    search_fields = ["code", "name_ru", "name_en"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_en", "kind", "district", "capital", "timezone"]
    list_filter = ["country", "kind", "district", "timezone"]
    search_fields = ["code", "name_ru", "name_en"]
    list_select_related = ["district", "capital"]
    autocomplete_fields = ["country", "district", "capital"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "name_en", "region", "population", "timezone", "geonames_id"]
    list_filter = ["region__country", "region__district", "timezone"]
    search_fields = ["name_ru", "name_en", "region__name_ru", "region__name_en", "region__code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    ordering = ["-population"]
