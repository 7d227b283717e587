"""The mail backend of a production server without EMAIL_HOST.

Django's console backend would print every email, recipients included, into the
server's log: a patient's address in a log file. Here no email is written anywhere:
each one fails, so the request shows "Email failed" in the admin and the log says
why, with nothing but the error.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend


class NoMailServerBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ImproperlyConfigured("EMAIL_HOST is not set: this server cannot send email.")
