"""Category questions: the rules file's questions and the answers every door checks the same way."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from aduan.domain.errors import InvalidInput
from aduan.domain.questions import (
    Question,
    Reason,
    check_answers,
    shown,
    validate_answers,
)

QUESTIONS = [
    Question.model_validate(q)
    for q in (
        {
            "code": "billing_month",
            "label_id": "Bulan tagihan",
            "label_en": "Billing month",
            "required": True,
            "max_length": 7,
            "pattern": "[0-9]{4}-(0[1-9]|1[0-2])",
        },
        {"code": "amount", "label": {"id": "Jumlah", "en": "Amount"}, "type": "number", "min": 0},
        {"code": "visit", "label": {"id": "Tanggal", "en": "Date"}, "type": "date"},
        {
            "code": "problem",
            "label": {"id": "Masalah", "en": "Problem"},
            "type": "choice",
            "choices": [
                {"code": "stuck", "label": {"id": "Macet", "en": "Stuck"}},
                {"code": "broken", "label_id": "Rusak", "label_en": "Broken"},
            ],
        },
        {"code": "meter_number", "label": {"id": "Nomor meter", "en": "Meter number"}},
    )
]


def _reasons(answers: dict[str, Any]) -> dict[str, Reason]:
    return {p.code: p.reason for p in check_answers(QUESTIONS, answers).problems}


def test_answers_are_cleaned_to_what_is_stored() -> None:
    checked = check_answers(
        QUESTIONS,
        {
            "billing_month": " 2026-03 ",
            "amount": "250000",
            "visit": "2026-03-02",
            "problem": "stuck",
            "meter_number": 881234,  # a number sent as JSON is its digits
        },
    )
    assert checked.problems == []
    assert checked.answers == {
        "billing_month": "2026-03",
        "amount": 250000,
        "visit": "2026-03-02",
        "problem": "stuck",
        "meter_number": "881234",
    }
    assert check_answers(QUESTIONS, {"billing_month": "2026-03", "amount": 12.5}).answers[
        "amount"
    ] == pytest.approx(12.5)


def test_a_required_question_left_blank_is_refused_and_optional_ones_are_left_out() -> None:
    assert _reasons({}) == {"billing_month": Reason.REQUIRED}
    assert _reasons({"billing_month": "   ", "amount": ""}) == {"billing_month": Reason.REQUIRED}
    assert check_answers(QUESTIONS, {"billing_month": "2026-01", "amount": None}).answers == {
        "billing_month": "2026-01"
    }


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"billing_month": "Maret"}, Reason.PATTERN),
        ({"billing_month": "2026-13"}, Reason.PATTERN),
        ({"billing_month": "2026-03-01"}, Reason.TOO_LONG),
        ({"amount": "Rp 250.000"}, Reason.NOT_A_NUMBER),
        ({"amount": "nan"}, Reason.NOT_A_NUMBER),
        ({"amount": True}, Reason.NOT_A_NUMBER),
        ({"amount": 1e300}, Reason.NOT_A_NUMBER),
        ({"amount": -1}, Reason.TOO_SMALL),
        ({"visit": "2026-02-30"}, Reason.NOT_A_DATE),
        ({"visit": "20260301"}, Reason.NOT_A_DATE),
        ({"problem": "Stuck"}, Reason.NOT_A_CHOICE),
        ({"meter_number": ["88", "12"]}, Reason.NOT_TEXT),
        ({"meter_number": {"a": 1}}, Reason.NOT_TEXT),
        ({"meter_number": "x" * 201}, Reason.TOO_LONG),
        ({"colour": "blue"}, Reason.UNKNOWN),
    ],
)
def test_a_wrong_answer_is_refused_for_its_question(
    answers: dict[str, Any], reason: Reason
) -> None:
    code = next(iter(answers))
    assert _reasons({"billing_month": "2026-03", **answers}) == {code: reason}


def test_the_refusal_names_each_question_as_the_api_or_open311_calls_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_answers(QUESTIONS, {"amount": "banyak", "colour": "blue"})
    fields = [e["field"] for e in refused.value.extra["errors"]]
    assert fields == ["answers.billing_month", "answers.amount", "answers.colour"]
    with pytest.raises(InvalidInput) as refused:
        validate_answers(QUESTIONS, {}, field=lambda code: f"attribute[{code}]")
    assert refused.value.extra["errors"] == [
        {"field": "attribute[billing_month]", "message": "an answer is required"}
    ]


def test_answers_without_questions_are_all_unknown() -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_answers([], {"meter_number": "88"})
    assert "asks none" in refused.value.detail


@pytest.mark.parametrize(
    "question",
    [
        {"code": "x", "label": {"id": "a", "en": "b"}, "type": "choice"},  # no choices
        {
            "code": "x",
            "label": {"id": "a", "en": "b"},
            "choices": [{"code": "c", "label_id": "c", "label_en": "c"}],
        },
        {"code": "x", "label": {"id": "a", "en": "b"}, "type": "number", "pattern": "[0-9]+"},
        {"code": "x", "label": {"id": "a", "en": "b"}, "pattern": "(unclosed"},
        {"code": "x", "label": {"id": "a", "en": "b"}, "type": "number", "min": 5, "max": 1},
        {"code": "x", "label": {"id": "a", "en": "b"}, "min": 1},
        {"code": "Meter Number", "label": {"id": "a", "en": "b"}},
        {"code": "x", "label": {"id": "a"}},
    ],
)
def test_a_question_the_rules_file_gets_wrong_is_refused_when_it_is_read(
    question: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        Question.model_validate(question)


def test_answers_are_shown_with_their_labels_in_the_readers_language() -> None:
    answers = {"problem": "broken", "billing_month": "2026-03", "gone": "kept", "amount": 250000}
    assert [(a.label, a.value) for a in shown(QUESTIONS, answers, "en")] == [
        ("Billing month", "2026-03"),
        ("Amount", "250000"),
        ("Problem", "Broken"),
        ("gone", "kept"),  # a question since removed from the rules file
    ]
    assert shown(QUESTIONS, answers, "id")[2].value == "Rusak"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@given(st.dictionaries(st.sampled_from([q.code for q in QUESTIONS]) | st.text(max_size=8), JSON))
def test_any_json_is_cleaned_or_refused_for_its_question(answers: dict[str, Any]) -> None:
    checked = check_answers(QUESTIONS, answers)
    refused = {p.code for p in checked.problems}
    assert not refused & set(checked.answers)
    given_answers = {k for k, v in answers.items() if v is not None and str(v).strip()}
    assert set(checked.answers) | refused >= given_answers
