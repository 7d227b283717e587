"""Admin lists that take only the filters they offer, so a hand-made address cannot
reach the database with an expression it chokes on."""

from datetime import MAXYEAR, MINYEAR

# What the admin's own filters and date drill-down put after a field name.
SAFE_PARTS = frozenset({"exact", "isnull", "id", "in", "year", "month", "day"})
DATE_PART_RANGES = {"year": (MINYEAR, MAXYEAR - 1), "month": (1, 12), "day": (1, 31)}


class OfferedLookupsOnlyMixin:
    """For a ModelAdmin: only lookups on fields of its list_filter and date_hierarchy,
    made of the parts the admin's filters use, and dates that exist.

    Django allows any lookup on a model's own fields, so ?first_name__regex=( or
    ?created__year=99999999999 reached the database, or Python's calendar, and gave
    a 500. Refused here, they are a 400 (DisallowedModelAdminLookup).
    """

    def lookup_allowed(self, lookup, value, request=None):
        field, *parts = lookup.split("__")
        if field not in self.offered_filter_fields() or not set(parts) <= SAFE_PARTS:
            return False
        if field == self.date_hierarchy and parts and parts[-1] in DATE_PART_RANGES:
            low, high = DATE_PART_RANGES[parts[-1]]
            if not (value.isdigit() and low <= int(value) <= high):
                return False
        return super().lookup_allowed(lookup, value, request)

    def offered_filter_fields(self):
        fields = {self.date_hierarchy} if self.date_hierarchy else set()
        for list_filter in self.list_filter:
            name = list_filter[0] if isinstance(list_filter, (tuple, list)) else list_filter
            # A field's name, or the parameter of a filter of our own (?overdue=yes).
            name = name if isinstance(name, str) else getattr(name, "parameter_name", "")
            fields.add(name.split("__")[0])
        return fields
