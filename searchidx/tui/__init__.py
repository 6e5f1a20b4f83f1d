"""The Textual terminal UI. Importing this package imports Textual: the CLI does so lazily."""

from __future__ import annotations

from .app import SearchApp, create_app

__all__ = ["SearchApp", "create_app"]
