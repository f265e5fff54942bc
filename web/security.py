"""Security headers on every response.

Article text is untrusted, so the page's own defences (autoescaping, the snippet's
``<mark>``-only markup) are backed by a Content-Security-Policy that runs no inline
script or style at all. Framing is refused everywhere except on the embed views,
which may be framed by the configured allow-list only.
"""

from __future__ import annotations

from flask import Request, Response

_BASE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)

#: Endpoints that may be framed when asked for the embedded view.
_EMBEDDABLE = {"pages.search", "pages.article", "trends.page"}


def is_embed_request(request: Request) -> bool:
    """``/embed``, or a page asked for with ``?embed=1``."""
    if request.endpoint == "pages.embed":
        return True
    return request.endpoint in _EMBEDDABLE and request.args.get("embed", "") in {"1", "true"}


def apply_headers(
    response: Response, request: Request, frame_ancestors: tuple[str, ...]
) -> Response:
    if is_embed_request(request):
        response.headers["Content-Security-Policy"] = (
            f"{_BASE_POLICY}; frame-ancestors {' '.join(frame_ancestors)}"
        )
        if frame_ancestors == ("'self'",):
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        elif frame_ancestors == ("'none'",):
            response.headers["X-Frame-Options"] = "DENY"
        # Otherwise no X-Frame-Options: it cannot express an allow-list, and
        # browsers that know frame-ancestors ignore it anyway.
    else:
        response.headers["Content-Security-Policy"] = f"{_BASE_POLICY}; frame-ancestors 'none'"
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Searches can be sensitive: article sites learn nothing of them.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return response
