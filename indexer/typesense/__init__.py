"""The Typesense backend: the same search API as the Whoosh one, on a Typesense cluster.

Selected by configuration (see :mod:`indexer.backends`); callers never import this
package directly. Typesense holds the index in RAM and replicates it with Raft, so an
archive that outgrows one machine, or must survive the loss of one, can be served by a
cluster of nodes while the CLI, the web app and the JSON API stay as they are.

- :mod:`.connection`: the nodes, the API key, the collection alias; the client.
- :mod:`.documents`: the collection schema and how an Article becomes a document
  (text analysed here, by the Whoosh backend's own analyzers, so both backends match
  the same words).
- :mod:`.translate`: the parsed query turned into Typesense's ``q`` and ``filter_by``.
- :mod:`.writer`: incremental indexing through the import endpoint, rebuild + alias swap.
- :mod:`.archive`: searching, facets, snippets, stats.
"""

from indexer.typesense.archive import TypesenseArchive, open_typesense
from indexer.typesense.connection import Connection
from indexer.typesense.writer import index_articles, index_paths

__all__ = ["Connection", "TypesenseArchive", "index_articles", "index_paths", "open_typesense"]
