"""What every app's API shares (docs/api.md): bearer-token and session authentication, the
resident and staff permission classes, the one error shape, pagination, and the token
endpoints. Each app's own endpoints live in its ``api/`` package; ``stratatracker.api`` routes
them under ``/api/v1/``."""
