"""One error model for every surface: what failed, how the web answers, how the CLI exits.

Every failure a user can cause or meet is an :class:`ArchiveError`. It carries a
one-line message fit to show as is (it names the path, the setting or the query and
says what to do), the HTTP status the web app answers with, and the exit status of the
``archive`` command. The web app has one handler for the base class and the CLI one
wrapper around every command, as Datasette's ``handle_exception`` does, so a new kind
of failure is one subclass here and nothing anywhere else.

Exit statuses follow the README: 1 for a failure, 2 for a usage error (an option or a
setting that cannot be used).

Messages are translatable without the core knowing of Flask or Babel: an error keeps
its message as a ``%``-template marked with :func:`N_` plus named values
(``QueryError(N_("unknown field %(field)s"), field=name)``). ``str(error)`` is the
English line (the CLI and the JSON API are English); the web looks the template up in
its catalogue and fills in the same values (``web.errors.translated``). ``make
i18n-extract`` reads ``indexer/`` as well as ``web/``, so a marked template is in the
catalogue, and ``tests/test_i18n_catalog.py`` fails on a message a reader can see that
is not marked or not translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extract looks for
    """Mark a message for the catalogue where it is written; it is translated where it
    is shown (the web), so the core needs no translation machinery."""
    return message


def render(template: str, params: Mapping[str, object]) -> str:
    """A template filled in as English: counts (ints) with thousands separators.

    Without values the template is the message itself (a ``%`` in it is literal), as
    gettext does it."""
    if not params:
        return template
    shown = {
        name: f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
        for name, value in params.items()
    }
    return template % shown


class ArchiveError(Exception):
    """A failure with a message fit to show users as is."""

    #: The HTTP status the web app answers with.
    status: int = 500
    #: The ``archive`` command's exit status.
    exit_code: int = 1
    #: A short title for the web's error page.
    title: str = N_("Something went wrong")
    #: A stable name of the kind of failure, for programs (the JSON API's ``code``):
    #: messages may be reworded, this may not.
    code: str = "internal_error"
    #: Seconds a client should wait before trying again (``Retry-After``), if any.
    retry_after: int | None = None

    def __init__(self, message: str = "", /, **params: object) -> None:
        #: The message as written (an :func:`N_` template) and its named values: what
        #: the web translates. An int value is a count (shown grouped per language).
        self.template, self.params = message, params
        super().__init__(render(message, params))

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
    title = N_("The query cannot be run")
    code = "query_error"


class InvalidRequest(QueryError):
    """A request malformed as a whole rather than a query the engine cannot run: too
    many trend queries, an empty one, an unknown interval, a period outside the
    archive. A usage error for the CLI, 400 on the web."""

    exit_code = 2
    title = N_("The request cannot be answered")
    code = "invalid_request"


class ConfigError(ArchiveError, ValueError):
    """A setting that cannot be used (``ARCHIVE_BACKEND``, ``ARCHIVE_TYPESENSE_*``...);
    the message names the variable. A usage error for the CLI; for the web, the server
    is misconfigured."""

    status = 500
    exit_code = 2
    title = N_("The archive is not configured")
    code = "not_configured"


class IndexMissing(ArchiveError, FileNotFoundError):
    """There is no index yet where the configuration points."""

    status = 503
    title = N_("The archive is not ready")
    code = "index_missing"
    retry_after = 60

    def public_message(self) -> str:
        return N_(
            "The archive has no search index yet. Run `archive index <folder>` on the "
            "server to build it; this page works as soon as it is done."
        )


class IndexOutdated(ArchiveError):
    """The live index was written in another index format; only a rebuild helps.

    An engine stores its analysers, not what they did when the index was written, so an
    index from another version of the analysis would open and then quietly miss
    matches: refusing it with what to do is the honest answer."""

    status = 503
    title = N_("The archive is not ready")
    code = "index_outdated"
    retry_after = 60

    def __init__(self, root: Path | str, found: int, expected: int):
        self.found, self.expected = found, expected
        super().__init__(
            f"the index in {root} was written in index format {found} and this version "
            f"of newsarchive uses format {expected}: rebuild it with "
            "`archive index --rebuild PATH...`"
        )

    def public_message(self) -> str:
        return N_(
            "The search index was built by another version of newsarchive. Rebuild it on "
            "the server with `archive index --rebuild <folder>`; this page works as soon "
            "as it is done."
        )


class IndexLocked(ArchiveError):
    """Another process is writing the index."""

    status = 503
    title = N_("The archive is being written")
    code = "index_locked"
    retry_after = 10

    def __init__(self, pid: int | None, where: str = "index"):
        self.pid = pid
        who = f"pid {pid}" if pid else "another process"
        super().__init__(f"{where} is being written by {who}: wait for it to finish")


class IndexDamaged(ArchiveError):
    """The index exists but cannot be opened (a file missing or corrupt)."""

    status = 503
    title = N_("The archive is not ready")
    code = "index_damaged"
    retry_after = 60

    def public_message(self) -> str:
        return N_("The search index cannot be opened. Rebuild it with `archive index --rebuild`.")


class BackendUnavailable(ArchiveError):
    """The search service did not answer or refused a write (a Typesense cluster with
    no node reachable, or no leader); the message says which. Temporary: the web
    answers 503, never a 500, and never tells readers to build an index."""

    status = 503
    title = N_("The search service is not answering")
    code = "backend_unavailable"
    retry_after = 10


class WriteFailed(ArchiveError):
    """Writing the index failed (the disk is full, a folder is read-only); the live
    index is untouched."""

    status = 500
    title = N_("The index could not be written")
    code = "write_failed"
