import pytest
from django.test import RequestFactory

from dajiuzhu.core.net import client_ip


def _request(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_header_is_never_read(settings) -> None:
    settings.DAJIUZHU_TRUSTED_PROXIES = 0
    assert client_ip(_request("10.0.0.5", "1.2.3.4")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        # A client forging the header only adds entries on the left; the proxy appends the real one.
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # Fewer entries than proxies, or garbage: the direct peer.
        (2, "203.0.113.7", "127.0.0.1"),
        (1, "not-an-ip", "127.0.0.1"),
        (1, "", "127.0.0.1"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_is_counted_from_the_right(settings, proxies, forwarded, expected) -> None:
    settings.DAJIUZHU_TRUSTED_PROXIES = proxies
    assert client_ip(_request("127.0.0.1", forwarded)) == expected


def test_a_missing_or_bad_remote_address_is_none(settings) -> None:
    settings.DAJIUZHU_TRUSTED_PROXIES = 0
    assert client_ip(_request("")) is None
