"""The web app: search page, article pages, JSON API, exports, feeds and the embed view.

``archive serve`` calls ``create_app(Config.from_env(index_dir=...))`` and
``serve(app, host, port)``.
"""

from web.app import create_app, make_server, serve
from web.config import Config, ConfigError

__all__ = ["Config", "ConfigError", "create_app", "make_server", "serve"]
