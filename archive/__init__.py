"""The domain side of newsarchive: the Article, a reader per file format, and the
extraction of dates, tags and places. Knows nothing of search engines or the web."""

from archive.article import Article, Problem
from archive.readers import read, read_paths

__all__ = ["Article", "Problem", "read", "read_paths"]
