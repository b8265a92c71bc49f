"""A tiny sandbox marketplace (stdlib http.server, in-memory): serves products and orders, receives
inventory updates and records what it got and when; can be told to fail or be slow. Loopback only."""
