"""Every answer carries a strict Content-Security-Policy, and no template needs an exception to it (the browser
proof is tests/browser/test_content_security_policy.py)."""

import re

from django.test import Client

from tests.test_deploy_check import REPO_ROOT


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def test_pages_the_api_and_the_public_site_carry_the_policy(world):
    answers = [
        Client(HTTP_HOST="acme.localhost").get("/login/"),
        Client(HTTP_HOST="acme.localhost").get("/api/v1/orders"),  # a JSON 401
        Client(HTTP_HOST="acme.localhost").get("/api/v1/docs"),
        Client(HTTP_HOST="localhost").get("/login/"),
    ]
    for response in answers:
        policy = directives(response)
        assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'", policy
        assert policy["style-src"] == "'self'" and policy["object-src"] == "'none'", policy
        assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'", policy
        assert "unsafe" not in response["Content-Security-Policy"]


def test_templates_have_no_inline_script_style_or_event_handler():
    offenders = []
    for template in (REPO_ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for pattern in (r"\sstyle=", r"<style", r"<script(?![^>]*\bsrc=)", r"\son[a-z]+=", r"javascript:"):
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(REPO_ROOT)}: {pattern}")
    assert offenders == []
