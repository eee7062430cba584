"""Text PostgreSQL can store: its `text` and `jsonb` types refuse the NUL character (U+0000)."""

from __future__ import annotations

from typing import Any

NUL = "\x00"


def nul_at(data: Any, where: str = "") -> str | None:
    """The dotted path of the first text in `data` (dicts, their keys, lists, str) holding NUL,
    or None."""
    if isinstance(data, str):
        return (where or "value") if NUL in data else None
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        path = f"{where}.{key}" if where else str(key)
        found = path if isinstance(key, str) and NUL in key else nul_at(value, path)
        if found is not None:
            return found
    return None


def refuse_nul(data: Any) -> Any:
    """`data` unchanged; ValueError naming the field whose text holds a NUL character.

    Checked at the edge so a request is refused whole with 422, instead of failing in the
    database (a 500) or, worse, in a lifecycle activity that would retry it forever."""
    where = nul_at(data)
    if where is not None:
        raise ValueError(f"{where}: text must not contain the NUL character (\\u0000)")
    return data
