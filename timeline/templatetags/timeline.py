import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Inside <script>, only these can end the element or start markup: escape them as JSON allows.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def jsonld(data):
    """A schema.org JSON-LD block. It is data, not script, so a strict CSP allows it."""
    text = json.dumps(data, ensure_ascii=False, indent=2).translate(SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.filter
def get_item(mapping, key):
    """``mapping[key]``, or None: for dictionaries keyed by a variable."""
    return mapping.get(key) if mapping else None
