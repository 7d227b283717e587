"""The test client, posting forms the way a browser does."""

from urllib.parse import urlencode

from django.test import Client


class BrowserClient(Client):
    """Django's test client sends every dict as multipart/form-data; a browser sends a
    form without file inputs url-encoded, and the site refuses multipart where no
    upload is expected (clinic.middleware.RequestBodyLimitMiddleware). So: url-encoded
    unless a file is among the values or a content type is given."""

    def post(self, path, data=None, content_type=None, **extra):
        if content_type is None and (data is None or isinstance(data, dict)):
            if has_file(data or {}):
                return super().post(path, data, **extra)
            data = urlencode(data or {}, doseq=True)
            content_type = "application/x-www-form-urlencoded"
        return super().post(path, data, content_type=content_type, **extra)


def has_file(data):
    values = [v for value in data.values() for v in (value if isinstance(value, list) else [value])]
    return any(hasattr(value, "read") for value in values)
