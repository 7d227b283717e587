"""Text as people see it: a value made only of characters that print nothing is empty;
a title is one line."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.deconstruct import deconstructible

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
    if hasattr(data, "lists"):
        # Built from the lists, not QueryDict.copy(): that deep-copies every value.
        return MultiValueDict(
            {
                key: ["" if blank(value) else value for value in values]
                for key, values in data.lists()
            }
        )
    return {key: "" if blank(value) else value for key, value in data.items()}


def blank(value):
    return isinstance(value, str) and is_invisible(value)


# Every character Python's str.splitlines() breaks a line at: a title holding one
# would break an email's Subject header, or a page's <title>, in two.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@deconstructible
class SingleLineValidator:
    """Refuses a value with a line break in it (titles and names that may go into an
    email's subject)."""

    message = "Keep this on one line: remove the line break."
    code = "line_break"

    def __call__(self, value):
        if isinstance(value, str) and not LINE_BREAKS.isdisjoint(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, SingleLineValidator)


single_line = SingleLineValidator()


def one_line(value):
    """``value`` with every run of white space, line breaks included, as one space."""
    return " ".join(value.split())
