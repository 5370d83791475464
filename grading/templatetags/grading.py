from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`row.parts|get_item:part.key`: a dict's value in a template."""
    return mapping.get(key) if mapping is not None else None
