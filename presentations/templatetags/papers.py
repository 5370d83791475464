from django import template

from presentations.forms import ordinal as _ordinal

register = template.Library()


@register.filter
def ordinal(number) -> str:
    """{{ 2|ordinal }} is "2nd"."""
    return _ordinal(int(number))
