"""searchidx: full-text search for collections of news articles.

>>> from searchidx import Index
>>> index = Index.build("index", ["seeds/"])          # doctest: +SKIP
>>> index.search("ceasefire", limit=3).total          # doctest: +SKIP
4
"""

from __future__ import annotations

from ._version import __version__
from .errors import (
    ClusterError,
    EntityModelError,
    FetchError,
    IndexCorrupt,
    IndexingInterrupted,
    IndexInUse,
    IndexLocationError,
    IndexLocked,
    IndexNotFound,
    IndexOptionError,
    IndexUntrusted,
    IndexVersionError,
    IndexWriteError,
    QueryError,
    SearchCancelled,
    SearchidxError,
    SearchOptionError,
    SourceNotFound,
)
from .filters import Filters, Mode, Sort
from .index import Index
from .models import (
    Article,
    Document,
    Entity,
    Facets,
    FacetValue,
    FrozenMap,
    Hit,
    IndexReport,
    IndexStats,
    Problem,
    SearchResults,
    Span,
)

__all__ = [
    "Article",
    "ClusterError",
    "Document",
    "Entity",
    "EntityModelError",
    "FacetValue",
    "Facets",
    "FetchError",
    "Filters",
    "FrozenMap",
    "Hit",
    "Index",
    "IndexCorrupt",
    "IndexInUse",
    "IndexLocationError",
    "IndexLocked",
    "IndexNotFound",
    "IndexOptionError",
    "IndexReport",
    "IndexStats",
    "IndexUntrusted",
    "IndexVersionError",
    "IndexWriteError",
    "IndexingInterrupted",
    "Mode",
    "Problem",
    "QueryError",
    "SearchCancelled",
    "SearchOptionError",
    "SearchResults",
    "SearchidxError",
    "Sort",
    "SourceNotFound",
    "Span",
    "__version__",
]
