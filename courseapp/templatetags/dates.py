"""{{ value|day }}, {{ value|moment }} and {{ value|exact }} (to the second, for receipts): the
one date format (see courseapp/dates.py).

Both take an optional time zone: {{ version.loaded_at|moment:course }} (a Course or a zone
name); without it, the active zone, which course pages set to the course's.
"""

from django import template

from courseapp.dates import format_day, format_exact, format_moment

register = template.Library()


@register.filter
def day(value, zone=None) -> str:
    return format_day(value, zone)


@register.filter
def moment(value, zone=None) -> str:
    return format_moment(value, zone)


@register.filter
def exact(value, zone=None) -> str:
    return format_exact(value, zone)
