"""Text PostgreSQL can store: a NUL anywhere in a request is refused, naming where."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aduan.domain.text import nul_at, refuse_nul


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ("a\x00b", "value"),
        ({"description": "x\x00"}, "description"),
        ({"complainant": {"name": "Si\x00ti"}}, "complainant.name"),
        ({"notes": ["ok", "\x00"]}, "notes.1"),
        ({"data": {"k\x00": 1}}, "data.k\x00"),
        ({"a": 1, "b": None, "c": "fine"}, None),
    ],
)
def test_nul_at_names_the_field(data: object, where: str | None) -> None:
    assert nul_at(data) == where


def test_refuse_nul_names_the_field_and_passes_the_rest_through() -> None:
    with pytest.raises(ValueError, match=r"complainant\.name: .*NUL"):
        refuse_nul({"complainant": {"name": "\x00"}})
    body = {"description": "Tagihan naik", "lat": 1.5}
    assert refuse_nul(body) is body


CLEAN_TEXT = st.text(st.characters(exclude_characters="\x00"))


@given(
    st.recursive(
        CLEAN_TEXT | st.integers() | st.floats() | st.none(),
        lambda inner: st.lists(inner) | st.dictionaries(CLEAN_TEXT, inner),
    )
)
def test_text_without_nul_passes_whatever_its_shape(data: object) -> None:
    assert nul_at(data) is None
    assert refuse_nul(data) is data
