"""Who is asking: the client's address, for the login protection (django-axes)."""

from django.conf import settings


def client_ip(request):
    """The client's address. Directly connected, it is REMOTE_ADDR. Behind DJANGO_BEHIND_PROXY
    it is the address the outermost of our PROXY_COUNT proxies saw, which that proxy appended to
    X-Forwarded-For: counted from the right, because whatever stands further left came from the
    client and can be forged. Without the header (a request that bypassed the proxy) it is
    REMOTE_ADDR again."""
    if settings.PROXY_COUNT:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [address for address in forwarded if address]
        if len(forwarded) >= settings.PROXY_COUNT:
            return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR", "")
