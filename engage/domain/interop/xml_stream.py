"""Streaming, entity-safe XML reading shared by the Disqus and WordPress parsers.

``defusedxml.ElementTree.iterparse`` (defusedxml, PyPI) wraps the standard library's expat
parser and refuses entity declarations (``forbid_entities=True``: the "billion laughs" and
quadratic-blowup bombs), external entities and external DTD fetches (``forbid_external=True``)
before any expansion happens; expat itself never touches the network.  Elements are handed
over one top-level record at a time and then cleared, so memory stays bounded by the largest
single record, not the file (hundreds of MB).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse


class XmlRefused(ValueError):
    """The file is not well-formed XML, or carries entity declarations or external references
    (refused before expansion).  The message says which and where."""


def local(tag: str) -> str:
    """A tag or attribute name without its namespace: ``{http://disqus.com}post`` → ``post``."""
    return tag.rsplit("}", 1)[-1]


def child_text(element: Element, name: str) -> str:
    """The text of the first child whose local name is ``name`` ("" when absent)."""
    for child in element:
        if local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def child(element: Element, name: str) -> Element | None:
    """The first child whose local name is ``name``."""
    return next((c for c in element if local(c.tag) == name), None)


def records_at(source: BinaryIO, depth: int, names: set[str]) -> Iterator[Element]:
    """Yield each complete element at ``depth`` (the root is 0) whose local name is in
    ``names``; it is cleared from its parent once the caller moves on.

    :raises XmlRefused: malformed XML or a forbidden construct (entity bomb, external entity).
    """
    level = -1
    parents: list[Element] = []
    try:
        for event, element in iterparse(source, events=("start", "end"), forbid_dtd=False,
                                        forbid_entities=True, forbid_external=True):
            if event == "start":
                level += 1
                if level < depth:
                    parents.append(element)
                continue
            level -= 1
            if level == depth - 1:
                if local(element.tag) in names:
                    yield element
                if parents:
                    parents[-1].clear()  # drop what was read: memory stays per record
            elif level < depth - 1 and parents:
                parents.pop()
    except DefusedXmlException as err:
        raise XmlRefused(f"refused: {type(err).__name__} ({err})") from None
    except ParseError as err:
        raise XmlRefused(f"not well-formed XML: {err}") from None
