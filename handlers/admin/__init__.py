"""The staff console at /admin: sign-in, the request queue and decisions, the handoff inbox, the audit log."""
