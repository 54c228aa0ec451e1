"""The staff pages of campaigns and announcements."""

from campaigns.admin import announcements, campaigns  # noqa: F401  (registers the admins)
