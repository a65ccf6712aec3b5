"""Escaping for GitHub-flavoured Markdown.

GitHub renders inline HTML and links in Markdown, so any text from the data
(names, quotes, titles) must be escaped before it goes into a brief: ``<``,
``>`` and ``&`` become entities (no raw HTML), and Markdown's punctuation gets
a backslash (no links, emphasis, code spans or table cells made by a name).
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_LINE_START = re.compile(r"^([#>+=-]|\d+[.)])")
_SAFE_URL = re.compile(r"https?://[^\s\"'<>\\()\[\]]+")


def md_escape(text: str) -> str:
    """Text that GitHub shows as written, on one line.

    Examples
    --------
    >>> print(md_escape("<script>alert(1)</script> [x](javascript:y) a|b"))
    &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:y) a\\|b
    >>> print(md_escape("# not a heading"), md_escape("2024-11"))
    \\# not a heading 2024-11
    """
    text = re.sub(r"\s+", " ", text).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    # A heading, list item or quote only starts a line: escape it there.
    return _LINE_START.sub(r"\\\1", text)


def md_link(text: str, url: str) -> str:
    """``[text](url)`` when ``url`` is a plain http(s) address, else the escaped text alone."""
    if url and _SAFE_URL.fullmatch(url):
        return f"[{md_escape(text)}]({url})"
    return md_escape(text)


def safe_url(url: str) -> str | None:
    """``url`` if it is a plain http(s) address a brief may link to, else None."""
    return url if url and _SAFE_URL.fullmatch(url) else None
