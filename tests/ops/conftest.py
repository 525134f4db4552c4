import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Each test stores its uploads in its own folder, so it can look at exactly what was kept."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
