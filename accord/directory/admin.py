"""Admin registrations: read-mostly views of the primary records.

Locations are not registered: their addresses must go through
``location_address_visible``, which the admin would bypass.
"""

from __future__ import annotations

from django.contrib import admin

from .models import Organization, Service


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "task_force", "agency", "is_active", "last_verified_at")
    list_filter = ("task_force", "is_active")
    search_fields = ("name", "slug")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "organization", "status", "is_24_7", "beds_available")
    list_filter = ("task_force", "status")
    search_fields = ("name", "slug")
