"""Security headers: the Content-Security-Policy (django-csp) and the Permissions-Policy.

The browser test (test_browser.py) checks that the main pages really keep the policy in
Chromium; these check the headers on every kind of response and the templates themselves.
"""

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

RESPONSES = [
    ("GET", "/", 200),
    ("GET", "/accounts/login/", 200),
    ("GET", "/static/courseapp/app.css", 200),
    ("GET", "/api/courses/", 401),
    ("GET", "/api/schema/", 200),
    ("GET", "/api/docs/", 200),
    ("GET", "/api/nope/", 404),
    ("GET", "/nope/", 404),
    ("GET", "/?q=%00", 400),
    ("POST", "/api/auth/token/", 413),
]


@pytest.mark.parametrize(("method", "path", "status"), RESPONSES)
def test_every_response_carries_both_policies(db, method, path, status):
    extra = {"CONTENT_LENGTH": str(64 * 1024 * 1024)} if status == 413 else {}
    response = Client().generic(method, path, **extra)
    assert response.status_code == status
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions.split(", ")


def test_the_permissions_policy_turns_off_every_listed_feature(settings):
    assert settings.PERMISSIONS_POLICY
    assert all(allowed == [] for allowed in settings.PERMISSIONS_POLICY.values())


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_has_inline_script_or_style(template):
    html = re.sub(r"{% comment %}.*?{% endcomment %}|{#.*?#}", "", template.read_text(), flags=re.S)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "javascript:" not in html


def test_no_admin_list_turns_off_both_action_bars():
    # Django's change list adds an inline <style> when a ModelAdmin sets both
    # actions_on_top and actions_on_bottom to False, which the policy would block.
    offenders = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not model_admin.actions_on_top and not model_admin.actions_on_bottom
    ]
    assert offenders == []
