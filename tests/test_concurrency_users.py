"""Issue 15: two staff actions at once on PostgreSQL, with real threads and connections.

Each scenario is repeated ``REPEATS`` times on fresh rows; both calls start at a
barrier. A call may succeed or be refused with a stable code; no ``IntegrityError``
(Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so a violation only shows
at commit) or other error may escape, a delete is never lost, and the rows agree.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import override_settings

from tests import staff_urls
from tests.factories import ClientFactory, PortalFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.compat import DUMMY_TASK_BACKEND
from wagtail_clientportal.exceptions import ClientPortalValidationError
from wagtail_clientportal.models import Portal, PortalAssignment, PortalUser

REPEATS = 30

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real concurrent transactions need PostgreSQL (CI sets DATABASE_URL); "
        "SQLite has one writer at a time",
    ),
]

# Outboxes are delivered by a task; these races are about the staff actions only.
NO_TASKS = {"default": {"BACKEND": DUMMY_TASK_BACKEND}}


@pytest.fixture(autouse=True)
def _no_delivery():
    with override_settings(TASKS=NO_TASKS):
        yield


def race(*calls):
    """Run the calls in threads (own connections) from one barrier; (ok, value|error) each."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = (True, fn())
        except Exception as exc:
            results[i] = (False, exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _code(result):
    ok, value = result
    if ok:
        return "ok"
    if isinstance(value, ClientPortalValidationError):
        return value.code
    return f"{type(value).__name__}: {str(value).splitlines()[0][:60]}"


def _tally(outcomes: list[tuple]) -> dict:
    tally: dict = {}
    for outcome in outcomes:
        tally[outcome] = tally.get(outcome, 0) + 1
    return tally


def _assert_clean(outcomes, allowed, inconsistent=0):
    """Every outcome of every call is "ok" or one of the allowed codes; the rows agree."""
    bad = [o for o in outcomes if any(c != "ok" and c not in allowed for c in o)]
    assert not bad and not inconsistent, (
        f"{len(bad)}/{len(outcomes)} repeats raised, {inconsistent} left inconsistent rows: "
        f"{_tally(bad)}"
    )


def _orphans() -> int:
    return PortalAssignment.objects.exclude(portal_user__in=PortalUser.objects.all()).count()


def test_assign_portals_while_the_person_is_deleted(ado):
    outcomes, inconsistent = [], 0
    for _ in range(REPEATS):
        client = ClientFactory()
        p1, p2 = PortalFactory(client=client), PortalFactory(client=client)
        pu = PortalUserFactory(client=client, portals=[p1])
        tab = PortalUser.objects.get(pk=pu.pk)  # as the staff member's form loaded it
        assign, delete = race(
            lambda tab=tab, p1=p1, p2=p2: services.assign_portals(ado, tab, [p1, p2]),
            lambda pu=pu: services.delete_portal_user(ado, PortalUser.objects.get(pk=pu.pk)),
        )
        outcomes.append((_code(assign), _code(delete)))
        # The delete happened: nothing of the person is left.
        inconsistent += PortalUser.objects.filter(pk=pu.pk).exists() or (
            get_user_model().objects.filter(pk=pu.user_id).exists()
        )
    _assert_clean(outcomes, {"portal_user_gone"}, inconsistent)
    # The staff member's delete is never lost: it always happens.
    assert all(delete == "ok" for _, delete in outcomes), _tally(outcomes)
    assert _orphans() == 0


def test_assign_portals_while_a_portal_is_deleted(ado):
    outcomes, inconsistent = [], 0
    for _ in range(REPEATS):
        client = ClientFactory()
        p1, p2 = PortalFactory(client=client), PortalFactory(client=client)
        pu = PortalUserFactory(client=client, portals=[p1])
        tab = PortalUser.objects.get(pk=pu.pk)  # as the staff member's form loaded it
        assign, delete = race(
            lambda tab=tab, p1=p1, p2=p2: services.assign_portals(ado, tab, [p1, p2]),
            lambda p2=p2: services.delete_portal(ado, Portal.objects.get(pk=p2.pk)),
        )
        outcomes.append((_code(assign), _code(delete)))
        # The delete always happens; the person keeps only p1.
        inconsistent += Portal.objects.filter(pk=p2.pk).exists() or (
            list(PortalUser.objects.get(pk=pu.pk).portals.all()) != [p1]
        )
    _assert_clean(outcomes, {"portal_gone"}, inconsistent)
    assert all(delete == "ok" for _, delete in outcomes), _tally(outcomes)


def test_create_portal_user_while_a_portal_is_deleted(ado):
    outcomes, inconsistent = [], 0
    for i in range(REPEATS):
        client = ClientFactory()
        p1, p2 = PortalFactory(client=client), PortalFactory(client=client)
        create, delete = race(
            lambda client=client, p1=p1, p2=p2, i=i: services.create_portal_user(
                ado,
                client,
                email=f"nowa{i}@klient.pl",
                first_name="Ewa",
                last_name="Lis",
                portals=[p1, p2],
            ),
            lambda p2=p2: services.delete_portal(ado, Portal.objects.get(pk=p2.pk)),
        )
        outcomes.append((_code(create), _code(delete)))
        people = [list(pu.portals.all()) for pu in PortalUser.objects.filter(client=client)]
        # Created first, then the deletion took the portal away (the person keeps
        # p1), or the other way round and the create was refused.
        inconsistent += Portal.objects.filter(pk=p2.pk).exists() or (
            people != ([[p1]] if create[0] else [])
        )
    _assert_clean(outcomes, {"portal_gone"}, inconsistent)
    assert all(delete == "ok" for _, delete in outcomes), _tally(outcomes)
    assert _orphans() == 0


def test_the_same_person_added_twice_at_once(ado):
    outcomes, inconsistent = [], 0
    for i in range(REPEATS):
        client = ClientFactory()
        portal = PortalFactory(client=client)

        def create(client=client, portal=portal, i=i):
            return services.create_portal_user(
                ado,
                client,
                email=f"podwojny{i}@klient.pl",
                first_name="Jan",
                last_name="Nowak",
                portals=[portal],
            )

        first, second = race(create, create)
        outcomes.append(tuple(sorted((_code(first), _code(second)))))
        inconsistent += PortalUser.objects.filter(client=client).count() != 1 or (
            get_user_model().objects.filter(email=f"podwojny{i}@klient.pl").count() != 1
        )
    _assert_clean(outcomes, {"portal_user_exists"}, inconsistent)
    assert all("ok" in o for o in outcomes)


def test_a_shared_login_is_kept_when_another_client_adds_the_person_meanwhile(ado):
    """Deleting a person's last membership deletes the login, unless another client's
    membership is being created for the same login at that moment."""
    outcomes, inconsistent = [], 0
    for _ in range(REPEATS):
        home = PortalFactory()
        pu = PortalUserFactory(client=home.client, portals=[home])
        other = PortalFactory()
        create, delete = race(
            lambda pu=pu, other=other: services.create_portal_user(
                ado,
                other.client,
                email=pu.user.email,
                first_name="Anna",
                last_name="Nowak",
                portals=[other],
            ),
            lambda pu=pu: services.delete_portal_user(ado, PortalUser.objects.get(pk=pu.pk)),
        )
        outcomes.append((_code(create), _code(delete)))
        new = PortalUser.objects.filter(client=other.client, user__email=pu.user.email)
        inconsistent += PortalUser.objects.filter(pk=pu.pk).exists() or not new.exists()
    _assert_clean(outcomes, set(), inconsistent)


def test_double_post_of_the_add_user_form_never_answers_500(ado):
    statuses, inconsistent = [], 0
    for i in range(REPEATS):
        client = ClientFactory()
        portal = PortalFactory(client=client)
        browsers = [HttpClient(raise_request_exception=False) for _ in range(2)]
        for browser in browsers:
            browser.force_login(ado)
        data = {
            "first_name": "Jan",
            "last_name": "Kowalski",
            "email": f"klik{i}@klient.pl",
            "portals": [portal.pk],
            "access_expires_on": "",
        }
        url = staff_urls.portal_user_add(client)
        responses = race(*(lambda b=b, u=url, d=data: b.post(u, d) for b in browsers))
        codes = sorted(r.status_code if ok else repr(r) for ok, r in responses)
        statuses.append(tuple(codes))
        inconsistent += PortalUser.objects.filter(client=client).count() != 1
    assert not inconsistent
    # One request saves and redirects; the other shows the form with a clear error.
    assert all(s == (200, 302) for s in statuses), _tally(statuses)


def test_field_changes_on_a_person_deleted_meanwhile_are_refused_with_a_code(ado):
    actions = [
        lambda pu: services.block_portal_user(ado, pu),
        lambda pu: services.unblock_portal_user(ado, pu),
        lambda pu: services.set_access_expiry(ado, pu, None),
        lambda pu: services.rename_portal_user(ado, pu, "Jan", "Nowy"),
        lambda pu: services.send_activation(ado, pu),
    ]
    outcomes, inconsistent = [], 0
    for i in range(REPEATS):
        home = PortalFactory()
        pu = PortalUserFactory(client=home.client, portals=[home], activated_at=None)
        stale = PortalUser.objects.get(pk=pu.pk)
        action = actions[i % len(actions)]
        change, delete = race(
            lambda action=action, stale=stale: action(stale),
            lambda pu=pu: services.delete_portal_user(ado, PortalUser.objects.get(pk=pu.pk)),
        )
        outcomes.append((_code(change), _code(delete)))
        inconsistent += PortalUser.objects.filter(pk=pu.pk).exists()
    _assert_clean(outcomes, {"portal_user_gone"}, inconsistent)
    assert all(delete == "ok" for _, delete in outcomes)
