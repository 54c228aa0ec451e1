"""The violations endpoints of the REST API (docs/api.md), routed by ``stratatracker.api``."""
