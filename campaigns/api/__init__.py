"""The campaign and announcement endpoints of the REST API (docs/api.md), routed by
``stratatracker.api``."""
