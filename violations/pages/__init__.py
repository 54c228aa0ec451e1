"""The resident pages of violations (docs/residents.md): server-rendered, mobile-first, on the
shared layout ``stratatracker/templates/resident/base.html``."""
