"""The findings of the security test of the production setup (issue 17), each as the
request that reproduced it and what it gets now: the Host header, canonical addresses
only for what the edge may keep, bodies refused by their headers, admin filters, the
mailer. (The page cache that some findings were about is now nginx's: see
tests/hardening/test_edge_proxy.py.)"""

import gzip
import logging
from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.test.client import MULTIPART_CONTENT

from appointments.models import AppointmentRequest
from core import edge_cache
from core.models import Email
from tests.appointments.conftest import REQUEST_URL, form_data, make_request
from tests.clients import BrowserClient
from tests.education.conftest import make_article, make_topic

pytestmark = pytest.mark.django_db

SITE = "https://clinic.example.org"  # tests/settings.py's SITE_URL


@pytest.fixture
def article(db):
    return make_article(topics=[make_topic()])


def kept_keys():
    """How many keys the fragments' cache holds (the test cache is local memory)."""
    return len(caches["pages"]._cache)


def is_public(response):
    return "public" in response.get("Cache-Control", "")


# 1. Cache poisoning through the Host header.


def test_a_page_asked_for_under_another_allowed_host_poisons_nobody(client, article):
    # Reproduced with: GET /articles/<slug>/?page=rt1 with Host: 127.0.0.1:6666
    poisoned = client.get(f"{article.get_absolute_url()}?page=rt1", HTTP_HOST="127.0.0.1:6666")
    ordinary = client.get(article.get_absolute_url())

    for response in (poisoned, ordinary):
        html = response.content.decode()
        assert "6666" not in html
        assert f'<link rel="canonical" href="{SITE}{article.get_absolute_url()}">' in html
        assert f'"url": "{SITE}{article.get_absolute_url()}"' in html


@pytest.mark.parametrize("path", ["/", "/articles/feed/", "/sitemap.xml", "/locations/"])
def test_a_disallowed_host_gets_400_even_for_a_cached_page(client, article, path):
    # Reproduced with: GET / with Host: evil.example, once / was cached: 200.
    assert client.get(path).status_code == HTTPStatus.OK  # public: the edge keeps it

    response = client.get(path, HTTP_HOST="evil.example")

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_feed_and_sitemap_name_only_the_site_url_whatever_the_host(client, article):
    for path in ("/articles/feed/", "/sitemap.xml", "/robots.txt"):
        text = client.get(path, HTTP_HOST="127.0.0.1:6666").content.decode()
        assert "6666" not in text, path
        assert SITE in text, path


# 2. Unbounded cache keys.


@pytest.mark.parametrize(
    "query",
    ["page=rt1", "page=007", "page=02", "page=1", "page=2&page=3", "page=2&x=1", "utm_source=a"],
)
def test_an_address_that_is_not_canonical_is_rendered_but_never_public(client, article, query):
    client.get("/articles/")  # the list and its fragments, kept
    before = kept_keys()

    response = client.get(f"/articles/?{query}")

    assert response.status_code in (HTTPStatus.OK, HTTPStatus.NOT_FOUND)
    assert not is_public(response)
    assert kept_keys() == before


def test_a_flood_of_made_up_addresses_adds_no_keys(client, article):
    # Reproduced with: 80 requests for junk ?page= values: 40 new keys, 300 s each.
    client.get(article.get_absolute_url())
    client.get("/")
    before = kept_keys()

    for n in range(80):
        junk = client.get(f"{article.get_absolute_url()}?page=junk{n}")
        paged = client.get(f"/?page={n + 2}")  # a real page number, on a page with no pages
        assert not is_public(junk) and not is_public(paged)

    assert kept_keys() == before


def test_a_real_page_of_a_paged_list_is_public(client):
    for n in range(12):
        make_article(f"Article {n}")

    response = client.get("/articles/?page=2")

    assert response.status_code == HTTPStatus.OK
    assert is_public(response)


def test_a_page_past_the_end_is_not_kept(client, article):
    client.get("/articles/")
    before = kept_keys()

    response = client.get("/articles/?page=9")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not is_public(response)
    assert kept_keys() == before


def test_fragments_have_a_cache_of_their_own(settings):
    # So no number of fragments can evict the rate-limit counters in the default cache
    # (README, "Redis": a capped, evicting Redis for fragments, a non-evicting one for
    # counters).
    edge_cache.remember("probe", lambda: "kept")

    version = edge_cache.content_version()
    assert caches["pages"].get("probe", version=version) == "kept"
    assert caches["default"].get("probe", version=version) is None
    assert settings.CACHES["pages"] != settings.CACHES["default"]


# 3. Oversized and multipart bodies.


def test_a_large_multipart_body_to_the_form_is_refused_unread(client, location):
    # Reproduced with: a 5 MB multipart/form-data POST to the form: read in full, 200.
    upload = b"x" * (5 * 1024 * 1024)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        REQUEST_URL, {**form_data(), "file": SimpleUploadedFile("big.bin", upload)}
    )

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert not AppointmentRequest.objects.exists()


def test_a_small_multipart_body_to_the_form_is_refused_as_the_wrong_type(client, location):
    response = client.post(REQUEST_URL, form_data(), content_type=MULTIPART_CONTENT)

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert not AppointmentRequest.objects.exists()


def test_a_url_encoded_body_over_the_limit_is_refused(client, location, settings):
    body = "reason=" + "x" * (settings.PUBLIC_MAX_BODY_BYTES + 1)

    response = client.post(REQUEST_URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "Content-Security-Policy" in response


def test_the_admin_takes_larger_multipart_bodies(manager_client, settings):
    assert settings.ADMIN_MAX_BODY_BYTES > settings.PUBLIC_MAX_BODY_BYTES
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = manager_client.post(
        "/admin/education/topic/add/",
        {
            "name": "Hips",
            "slug": "hips",
            "language": "en",
            "picture": SimpleUploadedFile("a.bin", b"x" * 200_000),
        },
    )

    assert response.status_code == HTTPStatus.FOUND  # saved; the stray file is ignored


# 4. The smaller items.


@pytest.mark.parametrize(
    "query",
    [
        "created__year=99999999999",
        "created__year=0",
        "created__year=9999",
        "created__month=13&created__year=2026",
        "date_of_birth__year=0",
        "first_name__regex=(",
        "reason__iregex=[",
        "status__regex=(",
        "location__name__regex=(",
        "assigned_to__password__startswith=pbkdf2",
    ],
)
def test_hand_made_admin_filters_get_400_not_500(manager_client, query):
    make_request()

    response = manager_client.get(f"/admin/appointments/appointmentrequest/?{query}")

    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize(
    "query",
    ["status__exact=new", "open=yes", "overdue=yes", "is_new_patient__exact=1"],
)
def test_the_admins_own_filters_still_work(manager_client, query):
    make_request()

    response = manager_client.get(f"/admin/appointments/appointmentrequest/?{query}")

    assert response.status_code == HTTPStatus.OK


def test_article_admin_refuses_hand_made_filters_too(manager_client, article):
    response = manager_client.get("/admin/education/article/?body__regex=(")

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_without_a_mail_server_production_logs_no_patient_address(
    client, location, settings, caplog, django_capture_on_commit_callbacks
):
    # Reproduced with: DEBUG off, no EMAIL_HOST: the console mailer printed the email,
    # the patient's address included, into the server log.
    settings.MAILERS = {"default": {"BACKEND": "core.mail.NoMailServerBackend"}}
    caplog.set_level(logging.DEBUG)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST_URL, form_data(email="dana.w@example.org"))

    saved = AppointmentRequest.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    # Not silent: the admin shows the email did not go out, and why.
    email = saved.emails().get(kind="new request: patient")
    assert email.status != Email.Status.SENT
    assert "EMAIL_HOST is not set" in email.last_error
    assert "dana.w@example.org" not in caplog.text
    assert saved.reference in caplog.text


@pytest.mark.parametrize("header", ["nogzip", "x-gzip2", "identity"])
def test_an_accept_encoding_that_is_not_gzip_never_fills_the_gzip_copy(client, article, header):
    # Reproduced with: Accept-Encoding: nogzip stored the plain page as the gzip one.
    plain = client.get("/", HTTP_ACCEPT_ENCODING=header)
    zipped = client.get("/", HTTP_ACCEPT_ENCODING="gzip")

    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content


# Redis stays bounded: a flood of addresses cannot fill it or evict the counters.


@pytest.fixture
def two_redis_caches(settings, test_redis):
    """Counters and pages in Redis, each cache with keys of its own, as a clinic would
    run them in two Redis servers (README, "Redis")."""
    settings.CACHES = {"default": test_redis.cache("counters"), "pages": test_redis.cache("pages")}
    return test_redis


def test_a_flood_of_addresses_neither_grows_the_fragments_cache_nor_touches_the_counters(
    client, location, article, two_redis_caches
):
    redis = two_redis_caches
    client.post(REQUEST_URL, form_data())  # one submission: a rate-limit counter
    counted = len(redis.keys("counters"))
    for path in ("/", "/articles/", article.get_absolute_url(), "/locations/"):
        BrowserClient().get(path)
    kept = len(redis.keys("pages"))

    for n in range(60):  # one key per address would show at the first
        BrowserClient().get(f"/articles/?page={n:03d}")
        BrowserClient().get(f"{article.get_absolute_url()}?page={n}&utm={n}")

    assert counted >= 1
    assert len(redis.keys("counters")) == counted  # not one counter lost
    assert len(redis.keys("pages")) == kept  # not one page key added
