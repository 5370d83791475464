"""The API's JSON parser: DRF's, refusing documents nested too deeply.

Python's json module recurses once per level of nesting, so `[` repeated 100,000 times
raises RecursionError, which DRF does not catch (an HTML 500). Here it is a 400
`parse_error`, and so is any document nested more than MAX_JSON_DEPTH levels.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No request body of ours needs more than a few levels; 32 leaves room for any future one.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"JSON parse error - the document is nested more than {MAX_JSON_DEPTH} levels deep."


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(TOO_DEEP)
        return data


def _depth_exceeds(data, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels.

    Depth-first with a stack of iterators: no recursion, and memory grows with the depth
    only, not with the number of items.
    """
    stack = [iter((data,))]
    while stack:
        for value in stack[-1]:
            if isinstance(value, dict):
                children = iter(value.values())
            elif isinstance(value, list):
                children = iter(value)
            else:
                continue
            # This container's depth is the number of containers open around it, plus one.
            if len(stack) > limit:
                return True
            stack.append(children)
            break
        else:
            stack.pop()
    return False
