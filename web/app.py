"""The application factory and the production server.

``create_app(config)`` builds a Flask app from one :class:`~web.config.Config`; the
``archive serve`` command runs it with waitress through :func:`serve`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from indexer.params import MAX_QUERY_CHARS
from indexer.whoosh import WhooshEngine
from web import errors, i18n
from web.backend import IndexHolder
from web.config import Config
from web.security import apply_headers, is_embed_request
from web.urls import UrlBuilder

log = logging.getLogger(__name__)


def create_app(config: Config | None = None) -> Flask:
    """A configured app; opens the index once (or later, once it exists)."""
    config = config or Config.from_env()
    app = Flask(__name__.rsplit(".", 1)[0], static_folder="static", template_folder="templates")
    app.config.update(
        ARCHIVE=config,
        # Only GET and HEAD: no automatic OPTIONS, and no request bodies to speak of.
        PROVIDE_AUTOMATIC_OPTIONS=False,
        MAX_CONTENT_LENGTH=16 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]

    engine = config.engine if config.engine is not None else WhooshEngine(config.index_dir)
    holder = IndexHolder(engine)
    holder.try_open()
    app.extensions["archive_index"] = holder

    from web import accesslog, api, cite, feeds, ops, pages, topwords, trends

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(cite.bp)
    app.register_blueprint(trends.bp)
    app.register_blueprint(topwords.bp)
    ops.install(app)
    errors.register(app)
    i18n.init_app(app)

    @app.context_processor
    def _page_globals() -> dict:
        # Every template gets the URL builder of this request (a view may have set
        # a more specific one) and whether it is the chrome-less embedded view.
        embed = is_embed_request(request)
        urls = g.get("urls") or UrlBuilder(
            embed=embed, embed_route=request.endpoint == "pages.embed"
        )
        language = i18n.current_language()
        return {
            "site_name": i18n.site_name(),
            "max_query_chars": MAX_QUERY_CHARS,
            "embed": embed,
            "urls": urls,
            "language": language,
            # Kept by the search form (a hidden field), as every link keeps it.
            "urls_language": i18n.link_language(),
            # The switch: every other language, named in itself, linking to this page.
            "other_languages": [
                (code, name, urls.language_switch(code))
                for code, name in i18n.LANGUAGE_NAMES.items()
                if code != language
            ],
            "link_target": ("_parent" if config.embed_link_target == "parent" else "_blank")
            if embed
            else None,
        }

    @app.after_request
    def _security_headers(response):
        return apply_headers(response, request, config.frame_ancestors)

    if config.trusted_proxies:
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n
        )
    accesslog.install(app, config.access_log, config.log_queries)
    return app


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 5000, **options: Any):
    """A waitress server for the app, not yet running (tests run and close it).

    Waitress strips ``X-Forwarded-*`` headers it was not told to trust; when the app
    trusts proxies itself (ProxyFix, ``ARCHIVE_TRUSTED_PROXIES``) those headers must
    reach it, so waitress is told to leave them alone. With no trusted proxies,
    waitress's stripping stays on as a second line of defence.
    """
    from waitress import create_server

    config: Config = app.config["ARCHIVE"]
    options.setdefault("threads", 8)
    options.setdefault("ident", "newsarchive")
    if config.trusted_proxies:
        options.setdefault("clear_untrusted_proxy_headers", False)
    return create_server(app, host=host, port=port, **options)


def serve(app: Flask, host: str = "127.0.0.1", port: int = 5000, **options: Any) -> None:
    """Serve the app with waitress until interrupted."""
    server = make_server(app, host, port, **options)
    log.info("serving %s on http://%s:%s/", app.config["ARCHIVE"].index_dir, host, port)
    try:
        server.run()
    finally:
        server.close()
