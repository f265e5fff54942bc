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
    N_("The request cannot be answered"),
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

#: The messages of a refused search parameter (``indexer.params.MESSAGES``, the same
#: literals: pybabel reads only literals; tests/test_surfaces.py checks they agree).
PARAM_MESSAGES = (
    N_("The query is too long (at most %(n)s characters)."),
    N_("A %(param)s value is too long (at most %(n)s characters)."),
    N_("Too many %(param)s values (at most %(n)s)."),
    N_("%(name)s: an empty value (leave it out instead)."),
    N_("%(value)s is not a year (YYYY) or a month (YYYY-MM)."),
    N_("%(name)s: %(value)s is not of the form %(pattern)s."),
    N_("‘%(name)s’ must be a date written YYYY-MM-DD."),
    N_("Sort must be one of: %(sorts)s."),
    N_("%(name)s must be a whole number from %(low)s to %(high)s."),
    N_("%(name)s must be 1 or 0."),
    N_("Unknown parameters: %(names)s; this address takes: %(known)s."),
    N_("%(name)s is given more than once; give it once."),
    N_("The ‘from’ date is after the ‘to’ date."),
)
