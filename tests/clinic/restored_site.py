"""Run in a process of its own, against a restored database (DATABASE_URL): do the
public and the admin pages answer, with the restored content in them? Prints one JSON
object: {address: [status, whether the expected words were on the page]}.

Usage: python -m tests.clinic.restored_site <request reference> <article title>
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from appointments.models import AppointmentRequest  # noqa: E402
from education.images import Image  # noqa: E402
from education.models import Article  # noqa: E402


def check(client, address, words):
    response = client.get(address)
    found = words is None or words in response.content.decode()
    return [response.status_code, found]


def main(reference, title):
    article = Article.objects.get(title=title)
    request = AppointmentRequest.objects.get(reference=reference)
    image = Image.objects.order_by("-pk").first()
    public = {
        "/": None,
        "/articles/": None,
        article.get_absolute_url(): title,
        "/es/": None,
        "/es/articles/": None,
        "/locations/": None,
        "/appointments/request/": None,
        "/articles/feed/": None,
        "/healthz/": None,
    }
    admin = {
        "/admin/": None,
        reverse("admin:appointments_appointmentrequest_changelist"): reference,
        reverse("admin:appointments_appointmentrequest_change", args=[request.pk]): reference,
        reverse("admin:appointments_appointmentrequest_history", args=[request.pk]): None,
        reverse("admin:education_article_changelist"): title,
        reverse("admin:education_article_change", args=[article.pk]): title,
        reverse("admin:education_image_changelist"): None,
        reverse("admin:education_image_change", args=[image.pk]): image.alt,
    }
    results = {}
    client = Client()
    for address, words in public.items():
        results[address] = check(client, address, words)
    client.force_login(get_user_model().objects.get(username="manager"))
    for address, words in admin.items():
        results[address] = check(client, address, words)
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
