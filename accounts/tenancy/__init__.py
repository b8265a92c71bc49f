"""The public-schema app: what exists once for the installation, not per organization.

What belongs here: organizations (django-tenants tenants), their domains, users (one model, shared by every
organization), memberships and invitations (`models.py`); their writes (`services.py`); the organization
template schema (`template.py`); sign-in: the organization-aware backend (`backends.py`), lockout
(`lockout.py`) and two-factor (`two_factor.py`, `middleware.py`); and the one fan-out over organizations
(`fanout.py`) that every beat task and command walking organizations uses."""
