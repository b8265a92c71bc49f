"""Accounts (a brand or store inside an organization) and what hangs off them.

What belongs here: the Account, warehouses, recurring jobs, the activity log and notifications (`models.py`);
roles and capabilities (`roles.py`); writes (`services.py`) and reads (`selectors.py`); the one door of
account-scoped views (`access.py`: `@account_view`) and the Edit Account tabs (`settings_tabs.py`); account
cloning (`clone.py`), invitations (`invitations.py`), API keys (`api_keys.py`); the public-schema app
(`tenancy/`: organizations, users, memberships, sign-in, the fan-out over organizations), the recurring-jobs
runtime (`jobs/`), the demo organization (`demo/`), pages (`views/`) and commands (`management/`)."""
