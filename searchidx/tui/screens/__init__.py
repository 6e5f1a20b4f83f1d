"""Screens: the search screen and the key help."""

from __future__ import annotations

from .help import HelpScreen
from .search import SearchScreen

__all__ = ["HelpScreen", "SearchScreen"]
