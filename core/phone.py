import re

import phonenumbers

DEFAULT_REGION = "US"


def tel_href(number):
    """A tel: link for a phone number as written for people, e.g. "(614) 555-0142"."""
    try:
        parsed = phonenumbers.parse(number or "", DEFAULT_REGION)
        return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return "tel:" + re.sub(r"[^\d+]", "", number or "")
