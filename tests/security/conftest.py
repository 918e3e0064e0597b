import pytest
from django.core.cache import cache

from tests.deregistration.conftest import (  # noqa: F401 - the test PKI's fixtures, shared with the service tests
    eds_pki,
    eds_session_pki,
)


@pytest.fixture(autouse=True)
def _api_throttles(settings):
    """Throttles count in the cache: each test starts from zero, with limits only the throttle tests meet."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "10000/min", "submit": "10000/min"},
    }
    cache.clear()
    yield
    cache.clear()
