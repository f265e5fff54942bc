"""Where the cluster is and how to talk to it.

The official client is given every node: it sends each request to one node and, when
that node fails (refused connection, timeout, 5xx), marks it unhealthy and retries on
the next, which is what keeps searches answering while a node is down. Every Typesense
node answers reads itself and forwards writes to the Raft leader, so any node will do.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import typesense
from typesense import exceptions as ts_errors

from indexer.errors import N_, BackendUnavailable, ConfigError

if TYPE_CHECKING:
    from typesense.configuration import NodeConfigDict

# The 2.x client warns on every collection handle that some endpoints are deprecated on
# Typesense v30+ (overrides, synonyms, analytics v1), none of which this project uses.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"typesense\.")

#: A search that takes longer than this is a failure to retry elsewhere.
READ_TIMEOUT = 10.0
#: Imports of a large batch can take a while on a busy cluster.
WRITE_TIMEOUT = 120.0


def _transport_errors() -> tuple[type[BaseException], ...]:
    """What the client's HTTP library raises for a refused connection or a timeout:
    httpx's errors in the 2.x client (older clients used requests, whose errors are
    OSErrors)."""
    try:
        import httpx
    except ImportError:
        return (OSError,)
    return (httpx.HTTPError, OSError)


_TRANSPORT_ERRORS = _transport_errors()
#: An HTTP error answer, a refused connection or a timeout: the cluster did not answer.
_NO_ANSWER: tuple[type[BaseException], ...] = (ts_errors.TypesenseClientError, *_TRANSPORT_ERRORS)


class TypesenseUnavailable(BackendUnavailable):
    """The cluster did not answer (every node down, or no leader for a write)."""


#: What the archive was doing when the cluster did not answer.
Doing = Literal[
    "while indexing", "when asked for the archive", "when asked for an article", "the search"
]
#: The message for each, one whole sentence each so that it can be translated.
_DID_NOT_ANSWER: dict[str, str] = {
    "while indexing": N_(
        "the Typesense cluster (%(nodes)s) did not answer while indexing: %(detail)s"
    ),
    "when asked for the archive": N_(
        "the Typesense cluster (%(nodes)s) did not answer when asked for the archive: %(detail)s"
    ),
    "when asked for an article": N_(
        "the Typesense cluster (%(nodes)s) did not answer when asked for an article: %(detail)s"
    ),
    "the search": N_("the Typesense cluster (%(nodes)s) did not answer the search: %(detail)s"),
}


@contextlib.contextmanager
def answering(connection: Connection, doing: Doing) -> Iterator[None]:
    """Turn a cluster that does not answer into :class:`TypesenseUnavailable`.

    The client retries every node and then raises what the last one gave: a
    ``TypesenseClientError`` for an HTTP answer, or the ``requests`` exception for a
    refused connection or a timeout. Either means the service is down, never that the
    archive is missing. "Not found" passes through: the caller knows what it means."""
    try:
        yield
    except ts_errors.ObjectNotFound:
        raise
    except (ts_errors.RequestUnauthorized, ts_errors.RequestForbidden) as exc:
        raise ConfigError(
            f"the Typesense cluster ({', '.join(connection.nodes)}) refused the API key "
            f"({connection.key_variables()}) {doing}: {' '.join(str(exc).split())}"
        ) from exc
    except _NO_ANSWER as exc:
        raise TypesenseUnavailable(
            _DID_NOT_ANSWER[doing],
            nodes=", ".join(connection.nodes),
            detail=" ".join(str(exc).split()) or type(exc).__name__,
        ) from exc


@dataclass(frozen=True)
class Connection:
    """The cluster: node URLs, its keys and the collection alias searched.

    ``api_key`` is the admin key, needed only to write (``archive index``);
    ``search_key``, when given, is what every read uses, so a web server can run with a
    key that can read the archive's collections and nothing else (docs/typesense.md)."""

    nodes: tuple[str, ...]
    api_key: str
    collection: str = "articles"
    search_key: str = ""

    def __post_init__(self) -> None:
        if not self.nodes:
            raise ConfigError("no Typesense nodes given (ARCHIVE_TYPESENSE_NODES)")
        for node in self.nodes:
            parts = urlsplit(node)
            if parts.scheme not in ("http", "https") or not parts.hostname or not parts.port:
                raise ConfigError(
                    f"Typesense node {node!r} is not like http://host:port "
                    "(ARCHIVE_TYPESENSE_NODES)"
                )
        if not self.api_key and not self.search_key:
            raise ConfigError(
                "no Typesense API key given (ARCHIVE_TYPESENSE_API_KEY, or "
                "ARCHIVE_TYPESENSE_SEARCH_KEY for searching only)"
            )

    def key(self, write: bool) -> str:
        """The key for a write (the admin key) or a read (the search key if given)."""
        if write:
            if not self.api_key:
                raise ConfigError(
                    "writing the archive needs the Typesense admin key "
                    "(ARCHIVE_TYPESENSE_API_KEY); ARCHIVE_TYPESENSE_SEARCH_KEY can only search"
                )
            return self.api_key
        return self.search_key or self.api_key

    def key_variables(self) -> str:
        """The variables the keys in use came from, for messages."""
        if self.search_key and self.api_key:
            return "ARCHIVE_TYPESENSE_SEARCH_KEY for searches, ARCHIVE_TYPESENSE_API_KEY to write"
        return "ARCHIVE_TYPESENSE_SEARCH_KEY" if self.search_key else "ARCHIVE_TYPESENSE_API_KEY"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Connection:
        """``ARCHIVE_TYPESENSE_NODES``, ``_API_KEY``, ``_SEARCH_KEY`` and ``_COLLECTION``;
        raises ConfigError naming the variable that cannot be used."""
        return cls(
            nodes=parse_nodes(environ.get("ARCHIVE_TYPESENSE_NODES", "")),
            api_key=environ.get("ARCHIVE_TYPESENSE_API_KEY", "").strip(),
            collection=environ.get("ARCHIVE_TYPESENSE_COLLECTION", "").strip() or "articles",
            search_key=environ.get("ARCHIVE_TYPESENSE_SEARCH_KEY", "").strip(),
        )

    def describe(self) -> str:
        """Where the archive is, for messages and ``archive stats``."""
        return f"typesense {','.join(self.nodes)} collection {self.collection}"


def parse_nodes(value: str) -> tuple[str, ...]:
    """``http://a:8108,http://b:8108`` -> a tuple of URLs (blanks and trailing / dropped)."""
    return tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())


def make_client(
    connection: Connection,
    *,
    timeout: float = READ_TIMEOUT,
    retries: int | None = None,
    retry_interval: float = 0.1,
    write: bool = False,
) -> typesense.Client:
    """A client over every node of the cluster (thread-safe: one per process is fine),
    with the admin key when it is to ``write``, else the search key if there is one."""
    key = connection.key(write)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _client(connection, key, timeout, retries, retry_interval)


def _client(connection, key, timeout, retries, retry_interval) -> typesense.Client:
    return typesense.Client(
        {
            "nodes": [_node(url) for url in connection.nodes],
            "api_key": key,
            "connection_timeout_seconds": timeout,
            # Try every node at least once before giving up.
            "num_retries": len(connection.nodes) + 1 if retries is None else retries,
            "retry_interval_seconds": retry_interval,
            # A node marked unhealthy is tried again after this long.
            "healthcheck_interval_seconds": 2,
            "suppress_deprecation_warnings": True,
        }
    )


def _node(url: str) -> NodeConfigDict:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:  # Connection checks every node
        raise ConfigError(f"Typesense node {url!r} is not like http://host:port")
    return {
        "host": parts.hostname,
        "port": parts.port,
        "protocol": parts.scheme,
        "path": parts.path.rstrip("/"),
    }
