"""Text as people see it: a value made only of characters that print nothing is empty."""

import unicodedata

# Unicode categories that print nothing: spaces of every width, line and paragraph
# separators, controls, and format characters such as U+200B (zero-width space),
# U+200D (zero-width joiner) and U+FEFF (byte order mark).
INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def is_invisible(value):
    """True when nothing in ``value`` would show on screen (an empty string too)."""
    return all(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in value)


def without_invisible_values(data):
    """A copy of form data (a QueryDict or a dict) in which every text value that
    prints nothing is empty, so a required field filled with zero-width spaces counts
    as blank. Anything visible is kept exactly as typed: a joiner within a name (as in
    Persian or Hindi) matters, and odd characters are judged by each field's rules."""
    if data is None:
        return None
    cleaned = data.copy()
    for key in list(cleaned):
        if hasattr(cleaned, "setlist"):
            values = cleaned.getlist(key)
            cleaned.setlist(key, ["" if blank(value) else value for value in values])
        elif blank(cleaned[key]):
            cleaned[key] = ""
    return cleaned


def blank(value):
    return isinstance(value, str) and is_invisible(value)
