"""The core's fixed texts that web pages show, marked for the message catalogue.

``indexer.errors`` is engine- and interface-neutral and knows nothing of Flask-Babel;
the web translates an :class:`~indexer.errors.ArchiveError`'s title and public message
where it shows them (``web.errors``). Listing them here is what puts them in front of
``pybabel extract``; ``tests/test_i18n_catalog.py`` fails when a new error class adds a
title or a fixed message that is not listed.
"""

from __future__ import annotations

from web.i18n import N_

CORE_MESSAGES = (
    # ArchiveError titles
    N_("Something went wrong"),
    N_("The query cannot be run"),
    N_("The archive is not configured"),
    N_("The archive is not ready"),
    N_("The archive is being written"),
    N_("The search service is not answering"),
    N_("The index could not be written"),
    N_("Bad request"),
    # fixed public messages (IndexMissing, IndexOutdated, IndexDamaged)
    N_(
        "The archive has no search index yet. Run `archive index <folder>` on the "
        "server to build it; this page works as soon as it is done."
    ),
    N_(
        "The search index was built by another version of newsarchive. Rebuild it on "
        "the server with `archive index --rebuild <folder>`; this page works as soon "
        "as it is done."
    ),
    N_("The search index cannot be opened. Rebuild it with `archive index --rebuild`."),
)
