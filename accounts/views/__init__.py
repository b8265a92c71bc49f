"""Pages of the accounts app, one module per page family. Account-scoped views take the account through
`accounts.access.account_view`; shared view helpers live outside this package, so no view module imports
another."""
