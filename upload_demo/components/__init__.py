"""Shared UI: every upload page is built from these, none copies them."""
