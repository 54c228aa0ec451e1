"""The resident pages of properties (docs/residents.md): server-rendered, mobile-first, on the
shared layout ``stratatracker/templates/resident/base.html``."""
