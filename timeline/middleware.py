"""Compression of what readers get."""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware


class PublicGZipMiddleware(GZipMiddleware):
    """Compress responses that carry no secret, and only those.

    Compressing a page that holds a secret (a CSRF token, anything of a signed-in editor's
    session) next to text an attacker can inject (a search term) would let them guess the
    secret from the compressed size (BREACH). Readers' pages and the exports hold none; the
    admin and the sign-in form do, so they go uncompressed."""

    def process_response(self, request, response):
        # A page that used its CSRF token sends the cookie with it (CsrfViewMiddleware, below).
        holds_token = settings.CSRF_COOKIE_NAME in response.cookies
        user = getattr(request, "user", None)
        if holds_token or (user is not None and user.is_authenticated):
            return response
        return super().process_response(request, response)
