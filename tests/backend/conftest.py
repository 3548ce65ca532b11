"""Fixtures the backend tests share."""

from tests.backend.own_backend import backend

__all__ = ["backend"]
