import datetime as dt

import pytest

from dajiuzhu.core import clock

RURAL = "dibao.standard.rural"


@pytest.fixture
def today() -> dt.date:
    return clock.today()


@pytest.fixture
def later(today) -> dt.date:
    """A start date in the future, so no note is needed."""
    return today + dt.timedelta(days=30)


@pytest.fixture
def county_approver(make_user):
    return make_user("county_approver", "county")


@pytest.fixture
def county2_approver(make_user):
    return make_user("county_approver", "county2")


@pytest.fixture
def city_admin(make_user):
    return make_user("sysadmin", "city")
