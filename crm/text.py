"""Rendering user text safely: markdown through nh3, and header-safe strings."""

from __future__ import annotations

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str | None) -> Markup:
    """Markdown to HTML with everything unsafe removed (scripts, handlers, javascript: links)."""
    if not text:
        return Markup("")
    html = md.markdown(text, extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def header_safe(value: str | None) -> str:
    """One line: CR, LF and other control characters cannot reach an email header."""
    if not value:
        return ""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())
