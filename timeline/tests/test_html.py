"""The full pages are valid HTML, as the W3C Nu HTML Checker (vnu.jar) sees them."""

import json
import shutil
import subprocess

import pytest
from django.conf import settings

from .test_browser import PAGES

VNU = settings.BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_nu_html_checker_finds_no_errors(client, curated, tmp_path):
    if not shutil.which("java") or not VNU.exists():
        pytest.fail("The HTML check needs Java and vnu.jar: `make test` installs vnu.jar with npm (see README).")
    files = {}
    for number, path in enumerate([*PAGES, "/no-such-page/"]):
        response = client.get(path)
        assert response.status_code in (200, 400, 404), path
        files[path] = tmp_path / f"page-{number}.html"
        files[path].write_bytes(response.content)
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout", *map(str, files.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    by_file = {str(f): p for p, f in files.items()}
    errors = [
        (by_file.get(m["url"].removeprefix("file:"), m["url"]), m.get("lastLine"), m["message"])
        for m in json.loads(result.stdout)["messages"]
    ]
    assert errors == []
