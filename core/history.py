"""Change history of the models staff edit (django-simple-history), with the manager
class that ``instance.history`` returns made once instead of on every access."""

from functools import cache

from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords


class ClinicHistoryManager(HistoryManager):
    """simple-history builds the manager class anew (Django's ``from_queryset()``,
    which walks every QuerySet method) each time ``instance.history`` is read, and
    every save reads it. The class depends only on the two classes it is made from
    (model and instance belong to each manager made from it). Made once, it saves the
    request form's POST ~1.4 M instructions (callgrind: ~5 % of a patient's GET +
    POST), and every staff save as much."""

    @classmethod
    def from_queryset(cls, queryset_class, class_name=None):
        return _manager_class(cls, queryset_class, class_name)


@cache
def _manager_class(manager_class, queryset_class, class_name):
    return super(ClinicHistoryManager, manager_class).from_queryset(queryset_class, class_name)


def kept_history(**options):
    """HistoricalRecords(**options) with the manager above."""
    return HistoricalRecords(history_manager=ClinicHistoryManager, **options)
