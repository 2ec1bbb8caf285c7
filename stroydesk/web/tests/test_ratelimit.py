"""Who a rate limit counts: the client's address, behind the proxies we trust."""

from __future__ import annotations

from django.test import RequestFactory

from stroydesk.web.ratelimit import client_ip


def test_the_client_address_is_the_one_our_proxies_saw(settings):
    forged_then_real = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(forged_then_real) == "10.0.0.1"  # no proxy: the header is the caller's
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(forged_then_real) == "203.0.113.7"  # not the forged first entry
    direct = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    assert client_ip(direct) == "10.0.0.1"
