"""Domain errors: stable codes, one HTTP mapping, and fresh objects on every raise."""

from __future__ import annotations

import inspect

import pytest

from aduan.domain import errors
from aduan.domain.attachments import Upload, check
from aduan.web import problems
from services.intake import tracking

KINDS = [
    kind
    for _, kind in inspect.getmembers(errors, inspect.isclass)
    if issubclass(kind, errors.AduanError) and kind is not errors.AduanError
]


def test_every_domain_error_has_its_own_code_and_a_documented_answer() -> None:
    codes = [kind.code for kind in KINDS]
    assert len(codes) == len(set(codes)), "two errors share a code"
    for kind in KINDS:
        described = problems.describe(kind.code)
        assert described["type"] == f"/problems/{kind.code}"
        assert described["meaning"], f"{kind.__name__} has no docstring to explain it"
        assert 400 <= described["status"] <= 599


def test_a_subclass_is_answered_as_listed_or_as_its_base() -> None:
    refused = errors.TooManyAttachments("too many", reason="too_many")
    assert problems.status_of(refused) == 422
    assert problems.status_of(errors.AttachmentRefused("closed")) == 409
    assert problems.status_of(errors.UnknownAction("no such action")) == 404


def test_the_answer_carries_the_code_as_its_type_and_the_wait_as_retry_after() -> None:
    response = problems.problem_response(
        errors.RateLimited("too many submissions", retry_after=30, limit="submissions")
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert b'"type":"/problems/rate-limited"' in response.body
    assert b'"limit":"submissions"' in response.body


def test_an_unknown_problem_type_is_not_found() -> None:
    with pytest.raises(errors.NotFound):
        problems.describe("no-such-code")


def test_each_refusal_is_a_new_object_so_requests_share_no_traceback() -> None:
    first, second = tracking.not_found(), tracking.not_found()
    assert first is not second
    caught = []
    for _ in range(2):
        with pytest.raises(errors.UnsupportedAttachment) as refused:
            check([Upload("a.exe", b"MZ")], max_bytes=100, max_count=3)
        caught.append(refused.value)
    assert caught[0] is not caught[1]
    assert caught[0].__traceback__ is not caught[1].__traceback__
