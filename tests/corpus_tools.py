"""Corpus loading and the HTML allowlist check shared by the corpus tests."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

ALLOWED = {"p": set(), "br": set(), "a": {"href", "rel", "target"}}


def load_payloads(corpora: Path) -> list[str]:
    """Every XSS payload line and every Big List of Naughty Strings entry (non-empty)."""
    xss = (corpora / "xss" / "xss-payload-list.txt").read_text(encoding="utf-8", errors="replace")
    blns = json.loads((corpora / "blns" / "blns.json").read_text(encoding="utf-8"))
    return [p for p in (*xss.splitlines(), *blns) if p.strip()]


class AllowlistChecker(HTMLParser):
    """Collects every violation of the comment HTML allowlist (tags, attributes, URL schemes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.violations: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.violations.append(f"tag <{tag}>")
            return
        for name, value in attrs:
            if name not in ALLOWED[tag]:
                self.violations.append(f"attribute {name} on <{tag}>")
            elif name == "href" and not (value or "").lower().startswith(("http://", "https://")):
                self.violations.append(f"href {value!r}")

    handle_startendtag = handle_starttag


def allowlist_violations(html: str) -> list[str]:
    """What in ``html`` falls outside the allowlist (empty when it is clean)."""
    checker = AllowlistChecker()
    checker.feed(html)
    checker.close()
    return checker.violations


class PageChecker(HTMLParser):
    """For a whole widget page: no script but ours, no event handlers, no script URLs."""

    def __init__(self, allowed_scripts: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_scripts = allowed_scripts
        self.violations: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            key = attributes.get("src") or attributes.get("type") or "inline"
            if key not in self.allowed_scripts and not key.startswith("/static/"):
                self.violations.append(f"script {key!r}")
        for name, value in attrs:
            if name.startswith("on"):
                self.violations.append(f"handler {name}")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                self.violations.append(f"{name}={value!r}")
        if tag in ("iframe", "object", "embed", "svg", "math", "img", "style", "link", "meta",
                   "base", "form") and not self._ours(tag, attributes):
            self.violations.append(f"tag <{tag}>")

    handle_startendtag = handle_starttag

    @staticmethod
    def _ours(tag: str, attributes: dict) -> bool:
        if tag == "link":
            return attributes.get("rel") == "stylesheet" and attributes.get("href", "").startswith("/static/")
        if tag == "meta":
            return set(attributes) <= {"charset", "name", "content"}
        if tag == "form":  # the widget's own forms: no action, or the no-script page
            return attributes.get("action") in (None, "/widget/no-script")
        return False


def page_violations(html: str, allowed_scripts: set[str]) -> list[str]:
    """Violations on a whole page (see :class:`PageChecker`)."""
    checker = PageChecker(allowed_scripts)
    checker.feed(html)
    checker.close()
    return checker.violations
