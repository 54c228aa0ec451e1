"""Wires the project's own admin site in place of Django's default one."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "stratatracker.admin_site.StaffAdminSite"
