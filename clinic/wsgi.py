"""WSGI entry point, served by gunicorn (see gunicorn.conf.py)."""

import codecs
import os
from email.message import Message

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")


def declared_charset(content_type):
    message = Message()
    message["Content-Type"] = content_type
    return message.get_param("charset")


def is_text_codec(name):
    try:
        return codecs.lookup(name)._is_text_encoding
    except LookupError:
        return True  # Django ignores charsets it does not know


def refuse_non_text_charsets(application):
    """Answer 400 to a request whose Content-Type names a bytes-to-bytes codec.

    Django decodes the query string and form fields in the declared charset while
    it builds the request, before any middleware runs, so ``charset=rot13`` or
    ``charset=zlib`` would otherwise end in a bare 500 from the server.
    """

    def guarded(environ, start_response):
        charset = declared_charset(environ.get("CONTENT_TYPE", ""))
        if charset and not is_text_codec(charset):
            from clinic.views import error_page

            response = error_page("400.html", 400)
            start_response("400 Bad Request", list(response.items()))
            return [response.content]
        return application(environ, start_response)

    return guarded


application = refuse_non_text_charsets(get_wsgi_application())
