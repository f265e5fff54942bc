"""One error model for every surface: what failed, how the web answers, how the CLI exits.

Every failure a user can cause or meet is an :class:`ArchiveError`. It carries a
one-line message fit to show as is (it names the path, the setting or the query and
says what to do), the HTTP status the web app answers with, and the exit status of the
``archive`` command. The web app has one handler for the base class and the CLI one
wrapper around every command, as Datasette's ``handle_exception`` does, so a new kind
of failure is one subclass here and nothing anywhere else.

Exit statuses follow the README: 1 for a failure, 2 for a usage error (an option or a
setting that cannot be used).
"""

from __future__ import annotations

from pathlib import Path


class ArchiveError(Exception):
    """A failure with a message fit to show users as is."""

    #: The HTTP status the web app answers with.
    status: int = 500
    #: The ``archive`` command's exit status.
    exit_code: int = 1
    #: A short title for the web's error page.
    title: str = "Something went wrong"
    #: Seconds a client should wait before trying again (``Retry-After``), if any.
    retry_after: int | None = None

    @property
    def message(self) -> str:
        return str(self)

    def public_message(self) -> str:
        """What the web shows readers: the same line unless a subclass says otherwise
        (a reader need not see the server's paths)."""
        return self.message


class QueryError(ArchiveError, ValueError):
    """A query the engine cannot run (syntax, unknown field, too broad, bad paging)."""

    status = 400
    title = "The query cannot be run"


class InvalidRequest(QueryError):
    """A request malformed as a whole rather than a query the engine cannot run: too
    many trend queries, an empty one, an unknown interval, a period outside the
    archive. A usage error for the CLI, 400 on the web."""

    exit_code = 2
    title = "The request cannot be answered"


class ConfigError(ArchiveError, ValueError):
    """A setting that cannot be used (``ARCHIVE_BACKEND``, ``ARCHIVE_TYPESENSE_*``...);
    the message names the variable. A usage error for the CLI; for the web, the server
    is misconfigured."""

    status = 500
    exit_code = 2
    title = "The archive is not configured"


class IndexMissing(ArchiveError, FileNotFoundError):
    """There is no index yet where the configuration points."""

    status = 503
    title = "The archive is not ready"
    retry_after = 60

    def public_message(self) -> str:
        return (
            "The archive has no search index yet. Run `archive index <folder>` on the "
            "server to build it; this page works as soon as it is done."
        )


class IndexOutdated(ArchiveError):
    """The live index was written in another index format; only a rebuild helps.

    An engine stores its analysers, not what they did when the index was written, so an
    index from another version of the analysis would open and then quietly miss
    matches: refusing it with what to do is the honest answer."""

    status = 503
    title = "The archive is not ready"
    retry_after = 60

    def __init__(self, root: Path | str, found: int, expected: int):
        self.found, self.expected = found, expected
        super().__init__(
            f"the index in {root} was written in index format {found} and this version "
            f"of newsarchive uses format {expected}: rebuild it with "
            "`archive index --rebuild PATH...`"
        )

    def public_message(self) -> str:
        return (
            "The search index was built by another version of newsarchive. Rebuild it on "
            "the server with `archive index --rebuild <folder>`; this page works as soon "
            "as it is done."
        )


class IndexLocked(ArchiveError):
    """Another process is writing the index."""

    status = 503
    title = "The archive is being written"
    retry_after = 10

    def __init__(self, pid: int | None, where: str = "index"):
        self.pid = pid
        who = f"pid {pid}" if pid else "another process"
        super().__init__(f"{where} is being written by {who}: wait for it to finish")


class IndexDamaged(ArchiveError):
    """The index exists but cannot be opened (a file missing or corrupt)."""

    status = 503
    title = "The archive is not ready"
    retry_after = 60

    def public_message(self) -> str:
        return "The search index cannot be opened. Rebuild it with `archive index --rebuild`."


class BackendUnavailable(ArchiveError):
    """The search service did not answer or refused a write (a Typesense cluster with
    no node reachable, or no leader); the message says which. Temporary: the web
    answers 503, never a 500, and never tells readers to build an index."""

    status = 503
    title = "The search service is not answering"
    retry_after = 10


class WriteFailed(ArchiveError):
    """Writing the index failed (the disk is full, a folder is read-only); the live
    index is untouched."""

    status = 500
    title = "The index could not be written"
