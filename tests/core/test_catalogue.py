"""The compiled translations (.mo, what Django reads) say what the catalogue (.po, what we edit)
says. A merge that takes one side of the binary .mo drops the other side's translations silently:
the UI (or an API message) is then English in the Persian interface."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "mahalleh"
CATALOGUES = sorted(ROOT.glob("**/locale/*/LC_MESSAGES/django.po"))


def _entries(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_compiled_catalogue_is_the_catalogue(po, tmp_path):
    assert shutil.which("msgfmt"), "gettext's msgfmt is needed (Debian package gettext)"
    fresh = tmp_path / "django.mo"
    # gettext's msgfmt from the PATH, checked just above.
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)  # noqa: S607
    compiled, expected = _entries(po.with_suffix(".mo")), _entries(fresh)
    missing = sorted(str(key) for key in expected.keys() - compiled.keys())
    shared = expected.keys() & compiled.keys()
    different = sorted(str(key) for key in shared if expected[key] != compiled[key])
    assert not missing and not different, (
        f"{po.with_suffix('.mo')} is out of date: run `make messages`. "
        f"Missing: {missing[:5]} ({len(missing)}); different: {different[:5]} ({len(different)})"
    )
