import pytest


@pytest.fixture(autouse=True)
def _no_static_scan(settings):
    # Each test client builds the middleware again; with var/static present (after collectstatic)
    # WhiteNoise would stat every file each time (~0.1 s per client). Look files up lazily instead.
    settings.WHITENOISE_AUTOREFRESH = True
