"""``steps.bulk()``: commands inside a caller's transaction without a savepoint each."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from stroydesk.cases import services, steps
from stroydesk.cases.models import Request
from stroydesk.cases.tests.factories import make_request

pytestmark = pytest.mark.django_db

S = Request.Status


@pytest.mark.django_db(transaction=True)
def test_bulk_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the caller's transaction"), steps.bulk():
        pass


def test_a_refused_command_leaves_the_callers_transaction_usable_outside_bulk(operator):
    case = make_request(status=S.REGISTERED)
    with transaction.atomic():
        with pytest.raises(services.TransitionNotAllowed):
            services.request_answer(request=case, by=operator, text="Ответ")
        assert not connection.needs_rollback  # the command's savepoint took its error back
        services.request_take(request=case, by=operator)
    assert Request.objects.get(pk=case.pk).status == S.IN_PROGRESS


def test_in_bulk_a_refused_command_dooms_the_whole_transaction(operator):
    case = make_request(status=S.REGISTERED)
    with transaction.atomic():
        with steps.bulk(), pytest.raises(services.TransitionNotAllowed):
            services.request_answer(request=case, by=operator, text="Ответ")
        assert connection.needs_rollback  # no savepoint: the caller gives up as a whole
    assert Request.objects.get(pk=case.pk).status == S.REGISTERED
