"""Walking a parsed YAML document, for property tests that break one place of a valid file."""

from __future__ import annotations

from typing import Any


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key or index path in the document, parents before children."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def parent(document: Any, path: tuple[Any, ...]) -> Any:
    """The mapping or list that holds the last step of `path`."""
    node = document
    for key in path[:-1]:
        node = node[key]
    return node
