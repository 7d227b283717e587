"""Who may open what (issue 6): anonymous visitors, clinicians, the front desk and the
practice manager against every public URL and every admin URL, each with the status
written out below.

The admin URLs of appointment requests and locations (and the managers' report) are in
tests/appointments/test_admin.py::ROLE_MATRIX, tested there; the completeness tests at
the end check that the two tables together leave no admin or public URL out.
"""

from contextlib import suppress
from http import HTTPStatus

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from core.models import AccessRecord
from core.outbox import send_later
from education.models import Article, EmergencyNotice
from tests.appointments.conftest import make_location, make_request
from tests.appointments.test_admin import ROLE_MATRIX as APPOINTMENTS_ADMIN_MATRIX
from tests.conftest import kept_for_the_module
from tests.education.conftest import make_article, make_clinician, make_topic
from tests.education.images_helpers import make_image

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "clinician", "front_desk", "manager")
OK = HTTPStatus.OK
FORBIDDEN = HTTPStatus.FORBIDDEN
NOT_FOUND = HTTPStatus.NOT_FOUND
NOT_ALLOWED = HTTPStatus.METHOD_NOT_ALLOWED
REDIRECT = HTTPStatus.FOUND  # somewhere other than the login page
LOGIN = "login"  # a redirect to the admin login page

EVERYONE_OK = (OK, OK, OK, OK)

# path -> expected status for anonymous, clinician, front desk, practice manager.
PUBLIC = {
    "/": EVERYONE_OK,
    "/articles/": EVERYONE_OK,
    "/articles/?q=facet": EVERYONE_OK,
    "/articles/?page=99": (NOT_FOUND,) * 4,
    "/articles/feed/": EVERYONE_OK,
    "/articles/topics/{topic_slug}/": EVERYONE_OK,
    "/articles/topics/no-such-topic/": (NOT_FOUND,) * 4,
    "/articles/{article_slug}/": EVERYONE_OK,
    # Drafts: a preview for those who may see articles in the admin, 404 for the rest.
    "/articles/{draft_slug}/": (NOT_FOUND, OK, NOT_FOUND, OK),
    "/appointments/request/": EVERYONE_OK,
    "/appointments/request/received/": (REDIRECT,) * 4,  # nothing sent: back to the form
    "/locations/": EVERYONE_OK,
    "/sitemap.xml": EVERYONE_OK,
    "/sitemap-articles.xml": EVERYONE_OK,
    "/robots.txt": EVERYONE_OK,
    "/favicon.ico": EVERYONE_OK,
    "/healthz/": EVERYONE_OK,
    # Passkeys for the second step (clinic/second_factor.py): JSON endpoints that take
    # POSTs only, from someone between the two steps or signed in; their scripts' texts.
    "/admin/passkeys/registration/begin/": (FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "/admin/passkeys/registration/complete/": (
        FORBIDDEN,
        NOT_ALLOWED,
        NOT_ALLOWED,
        NOT_ALLOWED,
    ),
    "/admin/passkeys/authentication/begin/": (FORBIDDEN,) * 4,
    "/admin/passkeys/authentication/complete/": (FORBIDDEN,) * 4,
    "/admin/passkeys/jsi18n/": EVERYONE_OK,
    # A new staff member's invitation link (a wrong one says so) and its last page.
    "/admin/invitation/MQ/not-a-token/": EVERYONE_OK,
    "/admin/invitation/done/": EVERYONE_OK,
    "/no-such-page/": (NOT_FOUND,) * 4,
}

ADMIN = {
    "/admin/": (LOGIN, OK, OK, OK),
    "/admin/login/": (OK, REDIRECT, REDIRECT, REDIRECT),  # signed in: on to the index
    "/admin/logout/": (REDIRECT, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),  # POST only
    "/admin/password_change/": (LOGIN, OK, OK, OK),
    # The second step (its own tests: tests/clinic/test_second_factor.py). Off in the
    # test settings: nobody is between the two steps, so these lead on or to the login.
    "/admin/second-factor/": (LOGIN, LOGIN, LOGIN, LOGIN),
    "/admin/second-factor/enrol/": (LOGIN, REDIRECT, REDIRECT, REDIRECT),
    "/admin/second-factor/recovery-codes/": (LOGIN, REDIRECT, REDIRECT, REDIRECT),
    # The access record: the manager reads it; nobody adds, changes or deletes a row.
    "/admin/core/accessrecord/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/core/accessrecord/add/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/core/accessrecord/{access_record}/change/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/core/accessrecord/{access_record}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/core/accessrecord/{access_record}/history/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/password_change/done/": (LOGIN, OK, OK, OK),
    "/admin/jsi18n/": (LOGIN, OK, OK, OK),
    "/admin/autocomplete/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/r/{article_type}/{article}/": (LOGIN, REDIRECT, REDIRECT, REDIRECT),
    # Each app's index exists only for those who may see something in it.
    "/admin/education/": (LOGIN, OK, NOT_FOUND, OK),
    "/admin/appointments/": (LOGIN, NOT_FOUND, OK, OK),
    "/admin/auth/": (LOGIN, NOT_FOUND, NOT_FOUND, OK),
    "/admin/axes/": (LOGIN, NOT_FOUND, NOT_FOUND, OK),
    # Articles: clinicians write, review, publish and delete them; the front desk never.
    "/admin/education/article/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/article/add/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/article/{article}/change/": (LOGIN, OK, FORBIDDEN, OK),
    # A published article: unpublished by a reviewer, deleted only by the manager.
    "/admin/education/article/{article}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/education/article/{draft}/delete/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/article/{article}/history/": (LOGIN, OK, FORBIDDEN, OK),
    # The old per-record revert page leads to Revisions: going back is a new revision.
    "/admin/education/article/{article}/history/{article_version}/": (
        LOGIN,
        REDIRECT,
        FORBIDDEN,
        REDIRECT,
    ),
    # Revisions and sign-off (the steps themselves are POSTs: test_workflow_admin.py).
    "/admin/education/article/{article}/revisions/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/article/{article}/revisions/1/compare/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/article/{article}/revisions/1/preview/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/article/{article}/revisions/1/approve/": (
        LOGIN,
        NOT_ALLOWED,
        FORBIDDEN,
        NOT_ALLOWED,
    ),
    "/admin/education/article/{article}/discard/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/article/{article}/unpublish/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/education/article/writing-checks/": (LOGIN, NOT_ALLOWED, FORBIDDEN, NOT_ALLOWED),
    # Topics and clinician profiles: patients read them, so a plain clinician reads
    # them (the change page read-only) and only medical reviewers add and change them
    # (tests/education/test_reviewed_content.py); only the manager deletes.
    "/admin/education/topic/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/topic/add/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/education/topic/{topic}/change/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/topic/{topic}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/education/topic/{topic}/history/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/clinician/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/clinician/add/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/education/clinician/{clinician}/change/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/clinician/{clinician}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/education/clinician/{clinician}/history/": (LOGIN, OK, FORBIDDEN, OK),
    # The emergency notice on every article page: medical reviewers keep its wording,
    # a plain clinician reads it; there is one, so nobody adds another or deletes it.
    "/admin/education/emergencynotice/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/emergencynotice/add/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/education/emergencynotice/{notice}/change/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/emergencynotice/{notice}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/education/emergencynotice/{notice}/history/": (LOGIN, OK, FORBIDDEN, OK),
    # The image library: clinicians upload and describe new pictures; once stored, a
    # picture's words are changed and the picture deleted by medical reviewers; the
    # front desk has no part in it.
    "/admin/education/image/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/image/add/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/image/{image}/change/": (LOGIN, OK, FORBIDDEN, OK),
    "/admin/education/image/{image}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/education/image/{image}/history/": (LOGIN, OK, FORBIDDEN, OK),
    # The outbox holds patients' addresses: the front desk reads it and sends a failed
    # email again; clinicians never see it; nobody writes or deletes one by hand.
    "/admin/core/": (LOGIN, NOT_FOUND, OK, OK),
    "/admin/core/email/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/core/email/add/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/core/email/{email}/change/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/core/email/{email}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/core/email/{email}/history/": (LOGIN, FORBIDDEN, OK, OK),
    # The task queue (django-tasks-db): the practice manager only, read-only.
    "/admin/django_tasks_database/": (LOGIN, NOT_FOUND, NOT_FOUND, OK),
    "/admin/django_tasks_database/dbtaskresult/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/django_tasks_database/dbtaskresult/add/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/django_tasks_database/dbtaskresult/{task}/change/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/django_tasks_database/dbtaskresult/{task}/delete/": (
        LOGIN,
        FORBIDDEN,
        FORBIDDEN,
        FORBIDDEN,
    ),
    "/admin/django_tasks_database/dbtaskresult/{task}/history/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    # Users and groups: the practice manager only.
    # Staff accounts (issue 27): the manager adds, changes and deactivates, never deletes.
    "/admin/clinic/": (LOGIN, NOT_FOUND, NOT_FOUND, OK),
    "/admin/clinic/staffmember/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/clinic/staffmember/add/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/clinic/staffmember/{user}/change/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/clinic/staffmember/{user}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/clinic/staffmember/{user}/history/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    # The technical tables, off the home pages: the manager's System page.
    "/admin/system/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/auth/group/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/auth/group/add/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/auth/group/{group}/change/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/auth/group/{group}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/auth/group/{group}/history/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    # Login lockouts (django-axes): the manager reads and clears them; nobody adds any.
    "/admin/axes/accessattempt/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accessattempt/add/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/axes/accessattempt/{attempt}/change/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accessattempt/{attempt}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accessattempt/{attempt}/history/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accesslog/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accesslog/add/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/axes/accesslog/{access_log}/change/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accesslog/{access_log}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accesslog/{access_log}/history/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accessfailurelog/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accessfailurelog/add/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/axes/accessfailurelog/{failure}/change/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accessfailurelog/{failure}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/axes/accessfailurelog/{failure}/history/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
}

# The CSV export is an admin action: a POST to the requests' list.
CSV_EXPORT = (LOGIN, FORBIDDEN, OK, OK)


@pytest.fixture(scope="module")
def objects(django_db_setup, django_db_blocker):
    """One of everything the URLs above name, as ids and slugs: made once for the
    500 tests here, each of which only reads them (and is rolled back anyway)."""
    yield from kept_for_the_module(django_db_blocker, make_objects)


def make_objects():
    make_location()
    topic = make_topic()
    article = make_article(topics=[topic], reviewer=make_clinician())
    draft = make_article("Draft about injections", topics=[topic], published=False)
    access = {
        "user_agent": "test",
        "ip_address": "203.0.113.5",
        "username": "someone",
        "http_accept": "*/*",
        "path_info": "/admin/login/",
    }
    return {
        "topic": topic.pk,
        "topic_slug": topic.slug,
        "article": article.pk,
        "article_slug": article.slug,
        "article_version": article.history.first().history_id,
        "article_type": ContentType.objects.get_for_model(Article).pk,
        "draft_slug": draft.slug,
        "draft": draft.pk,
        "clinician": article.reviewer.pk,
        "notice": EmergencyNotice.objects.get().pk,  # made by the migrations
        "image": make_image(width=400, height=250).pk,  # one size: a quick set-up
        "email": send_later(kind="test", to=["a@example.org"], subject="s", body="b").pk,
        "task": make_task_result(),
        "user": make_user_to_manage().pk,
        "group": Group.objects.get(name="Front desk").pk,
        "attempt": AccessAttempt.objects.create(
            **access, get_data="", post_data="", failures_since_start=1
        ).pk,
        "access_log": AccessLog.objects.create(**access).pk,
        "access_record": AccessRecord.objects.create(
            username="someone", action="viewed", references=" AR-TEST1 ", count=1
        ).pk,
        "failure": AccessFailureLog.objects.create(**access).pk,
    }


def make_task_result():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="core.outbox.deliver",
        backend_name="default",
    ).pk


def make_user_to_manage():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("leaver", password="a-long-test-password")


@pytest.fixture
def role_client(request, client):
    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(f"{role}_user"))
        return client

    return login


def assert_status(response, expected, label):
    if expected == LOGIN:
        assert response.status_code == HTTPStatus.FOUND, label
        assert response["Location"].startswith("/admin/login/"), label
    else:
        assert response.status_code == expected, label
        if expected == REDIRECT:
            assert not response["Location"].startswith("/admin/login/"), label


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PUBLIC)
def test_public_urls(role_client, objects, path, role):
    response = role_client(role).get(path.format(**objects))

    assert_status(response, PUBLIC[path][ROLES.index(role)], f"{role} {path}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ADMIN)
def test_admin_urls(role_client, objects, path, role):
    response = role_client(role).get(path.format(**objects))

    assert_status(response, ADMIN[path][ROLES.index(role)], f"{role} {path}")


@pytest.mark.parametrize("role", ROLES)
def test_csv_export(role_client, objects, role):
    appointment_request = make_request()

    response = role_client(role).post(
        "/admin/appointments/appointmentrequest/",
        {"action": "export_csv", "_selected_action": [appointment_request.pk]},
    )

    assert_status(response, CSV_EXPORT[ROLES.index(role)], role)
    if response.status_code == OK:
        assert response["Content-Type"].startswith("text/csv")


# The tables leave nothing out.

IDS = [
    "topic",
    "article",
    "draft",
    "article_version",
    "article_type",
    "clinician",
    "notice",
    "email",
    "task",
    "user",
    "group",
    "attempt",
    "access_log",
    "access_record",
    "failure",
    "request",
    "location",
    "version",
    "visit_type",
    "image",
]
SAMPLE_IDS = {name: "1" for name in IDS} | {
    "topic_slug": "t",
    "article_slug": "a",
    "draft_slug": "d",
}


def url_names(paths):
    """The URL names the paths resolve to (a path served by WhiteNoise or a 404 has none)."""
    names = set()
    for path in paths:
        with suppress(Resolver404):
            names.add(resolve(path.format(**SAMPLE_IDS).split("?")[0]).url_name)
    return names


@pytest.mark.parametrize("model", admin.site._registry, ids=lambda model: model._meta.label_lower)
def test_every_admin_view_of_every_registered_model_is_in_a_table(model):
    prefix = f"{model._meta.app_label}_{model._meta.model_name}"
    views = {f"{prefix}_{view}" for view in ("changelist", "add", "change", "delete", "history")}

    assert views <= url_names([*ADMIN, *APPOINTMENTS_ADMIN_MATRIX])


def public_url_names(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) != "admin/":
                yield from public_url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


def test_every_public_url_is_in_the_table():
    assert set(public_url_names(get_resolver().url_patterns)) <= url_names(PUBLIC)


# What patients read beside the articles: a plain clinician's change page is read-only,
# a medical reviewer's editable (the POSTs: tests/education/test_reviewed_content.py).

PATIENT_TEXT = [
    "/admin/education/emergencynotice/{notice}/change/",
    "/admin/education/clinician/{clinician}/change/",
    "/admin/education/topic/{topic}/change/",
    "/admin/education/image/{image}/change/",
]
# The add and delete pages the table above refuses a plain clinician.
REVIEWER_ONLY = {
    "/admin/education/topic/add/": OK,
    "/admin/education/clinician/add/": OK,
    "/admin/education/image/{image}/delete/": OK,
    # Deleting a topic or a profile stays the manager's; the notice is never deleted.
    "/admin/education/topic/{topic}/delete/": FORBIDDEN,
    "/admin/education/clinician/{clinician}/delete/": FORBIDDEN,
    "/admin/education/emergencynotice/{notice}/delete/": FORBIDDEN,
}


@pytest.fixture
def reviewer(django_user_model):
    from tests.education.conftest import make_reviewer

    return make_reviewer(django_user_model, "matrix-reviewer", "Dr. Matrix Reviewer")


@pytest.mark.parametrize("path", PATIENT_TEXT)
def test_patient_text_is_editable_by_reviewers_and_read_only_for_clinicians(
    client, objects, reviewer, clinician_user, path
):
    url = path.format(**objects)
    for user, editable in ((clinician_user, False), (reviewer, True)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == OK, (user, url)
        assert bool(response.context["adminform"].form.fields) == editable, (user, url)


@pytest.mark.parametrize("path", REVIEWER_ONLY)
def test_reviewer_only_pages(client, objects, reviewer, path):
    client.force_login(reviewer)

    assert_status(client.get(path.format(**objects)), REVIEWER_ONLY[path], path)
