import functools
import re

import phonenumbers

DEFAULT_REGION = "US"
# A North American number as stored (E.164): +1 and ten digits.
NANP_E164 = re.compile(r"\+1[2-9]\d{9}")


def tel_href(number):
    """A tel: link for a phone number as written for people, e.g. "(614) 555-0142"."""
    if re.fullmatch(r"\+[1-9]\d{6,14}", number or ""):
        return "tel:" + number  # already E.164, as requests store it: no parsing
    try:
        parsed = phonenumbers.parse(number or "", DEFAULT_REGION)
        return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return "tel:" + re.sub(r"[^\d+]", "", number or "")


# The same numbers are shown again and again (a day's bookings, the list's first page,
# each reload): each process keeps the last few thousand it formatted (under 1 MB).
@functools.lru_cache(maxsize=4096)
def display_phone(number):
    """A stored E.164 number as people write it: (614) 555-0142 at home, +44 20 ...
    abroad; anything unparsable as it is."""
    if NANP_E164.fullmatch(number or ""):
        # What parse() makes of a stored "+1" number, without its costly parsing
        # (three quarters of the time; it counts in an export of every request).
        parsed = phonenumbers.PhoneNumber(country_code=1, national_number=int(number[2:]))
    else:
        try:
            parsed = phonenumbers.parse(number, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            return number
    region = phonenumbers.region_code_for_number(parsed)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)
