"""Widgets of the search screen; each posts messages up and takes data down."""

from __future__ import annotations

from .filters import FilterPanel
from .hints import KeyHints
from .preview import Preview
from .query_bar import QueryBar
from .results import ResultsList
from .timeline import Timeline

__all__ = ["FilterPanel", "KeyHints", "Preview", "QueryBar", "ResultsList", "Timeline"]
