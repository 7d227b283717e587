"""Sessions in the database (SESSION_ENGINE), as Django's own db backend but a new
session costs one SQL statement instead of four.

Django's backend first looks for the new random key (a SELECT), then inserts it in a
transaction of its own (BEGIN, INSERT, COMMIT). Here the INSERT alone, in autocommit:
its primary key is what catches a clash (CreateError, and create() draws another
key), which with 36**32 possible keys never happens. Inside a caller's transaction,
and for every update, Django's own save() runs unchanged.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.db import IntegrityError, router, transaction
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def _get_new_session_key(self):
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create=False):
        using = router.db_for_write(self.model)
        in_transaction = transaction.get_connection(using).in_atomic_block
        if self.session_key is None or not must_create or in_transaction:
            return super().save(must_create)
        session = self.create_model_instance(self._get_session(no_load=True))
        try:
            session.save(force_insert=True, using=using)
        except IntegrityError:
            raise CreateError from None
