"""Reusable test helpers (protocol-level stand-ins for faults a real chronyd cannot produce)."""
