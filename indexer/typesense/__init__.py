"""The Typesense engine: the same search API as the Whoosh one, on a Typesense cluster.

Selected by configuration (``ARCHIVE_BACKEND=typesense``, see :mod:`indexer.backends`).
Typesense holds the index in RAM and replicates it with Raft, so an archive that
outgrows one machine, or must survive the loss of one, can be served by a cluster of
nodes while the CLI, the web app and the JSON API stay as they are. Imports only the
engine-neutral core of :mod:`indexer`, never another engine.

- :mod:`.engine`: what the core's registry builds (:class:`TypesenseEngine`).
- :mod:`.connection`: the nodes, the API key, the collection alias; the client, and
  :func:`.connection.answering`, which turns a silent cluster into BackendUnavailable.
- :mod:`.documents`: the collection schema and how an Article becomes a document
  (text analysed by the core's analysers, :mod:`indexer.analysis`, so both engines
  match the same words).
- :mod:`.translate`: the parsed query turned into Typesense's ``q`` and ``filter_by``.
- :mod:`.writer`: incremental indexing through the import endpoint, rebuild + alias swap.
- :mod:`.archive`: searching, facets, snippets, stats.
"""

from indexer.typesense.archive import TypesenseArchive
from indexer.typesense.connection import Connection
from indexer.typesense.engine import TypesenseEngine

__all__ = ["Connection", "TypesenseArchive", "TypesenseEngine"]
