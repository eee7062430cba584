"""Category questions: what the rules file asks about a category, and the answers to them.

A rule (or the default target) of the routing rules file may list questions (code, label in
Bahasa Indonesia and English, type, required, choices). Every door a complaint comes in by
checks its answers here, so a web form, the API and Open311 refuse the same things.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from aduan.domain.errors import InvalidInput

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
MAX_QUESTIONS = 20  # per category: a form, not a survey
MAX_ANSWERS = 50  # what an API body may carry, before any question is looked at
STRING_MAX = 2000  # the longest a string answer may ever be (a question may say less)
_NUMBER = re.compile(r"[+-]?\d{1,15}(\.\d{1,6})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Answer = str | int | float  # a cleaned answer: text, a number, a date or a choice's code


class QuestionType(StrEnum):
    """What kind of answer a question takes."""

    STRING = "string"
    NUMBER = "number"
    DATE = "date"  # YYYY-MM-DD
    CHOICE = "choice"  # one of the question's choices, by code


class Label(BaseModel):
    """A text people read, in Bahasa Indonesia and English."""

    id: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)

    def text(self, language: str) -> str:
        """The text in `language` (Bahasa Indonesia unless English)."""
        return self.en if language == "en" else self.id


def _labels(data: Any) -> Any:
    # `label_id` and `label_en` are the flat spelling of `label: {id, en}`.
    if isinstance(data, dict) and "label" not in data and {"label_id", "label_en"} <= set(data):
        data = {k: v for k, v in data.items() if k not in ("label_id", "label_en")} | {
            "label": {"id": data["label_id"], "en": data["label_en"]}
        }
    return data


class Choice(BaseModel):
    """One answer a choice question offers."""

    code: str = Field(pattern=CODE_PATTERN)
    label: Label

    @model_validator(mode="before")
    @classmethod
    def _flat_labels(cls, data: Any) -> Any:
        return _labels(data)


class Question(BaseModel):
    """One question of a category; `identifying` answers (a meter number names a customer
    in the provider's books) are hidden with a confidential complainant's identity."""

    code: str = Field(pattern=CODE_PATTERN)
    label: Label
    type: QuestionType = QuestionType.STRING
    required: bool = False
    hint: Label | None = None  # shown under the field: the form an answer takes, say
    choices: list[Choice] = Field(default_factory=list, max_length=100)
    max_length: int = Field(200, ge=1, le=STRING_MAX)  # strings
    pattern: str | None = Field(None, max_length=200)  # strings: the whole answer matches it
    min: float | None = None  # numbers
    max: float | None = None
    identifying: bool = False

    @model_validator(mode="before")
    @classmethod
    def _flat_labels(cls, data: Any) -> Any:
        return _labels(data)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if (self.type == QuestionType.CHOICE) != bool(self.choices):
            raise ValueError(f"question {self.code}: choices go with type choice, and only there")
        if len({c.code for c in self.choices}) != len(self.choices):
            raise ValueError(f"question {self.code}: two choices share a code")
        if self.pattern is not None:
            if self.type != QuestionType.STRING:
                raise ValueError(f"question {self.code}: a pattern is for string questions")
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"question {self.code}: pattern does not compile: {exc}") from exc
        if (self.min is not None or self.max is not None) and self.type != QuestionType.NUMBER:
            raise ValueError(f"question {self.code}: min and max are for number questions")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"question {self.code}: min is above max")
        return self

    def choice(self, code: str) -> Choice | None:
        """The choice with this code, if the question offers it."""
        return next((c for c in self.choices if c.code == code), None)


def unique_codes(questions: Sequence[Question]) -> Sequence[Question]:
    """`questions` unchanged; ValueError when two share a code."""
    codes = [q.code for q in questions]
    doubled = sorted({code for code in codes if codes.count(code) > 1})
    if doubled:
        raise ValueError(f"questions share a code: {', '.join(doubled)}")
    return questions


class Reason(StrEnum):
    """Why an answer was refused; the pages say each in the reader's language."""

    REQUIRED = "required"
    UNKNOWN = "unknown"
    NOT_TEXT = "not_text"
    TOO_LONG = "too_long"
    PATTERN = "pattern"
    NOT_A_NUMBER = "not_a_number"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_A_DATE = "not_a_date"
    NOT_A_CHOICE = "not_a_choice"


@dataclass(frozen=True)
class Problem:
    """One refused answer: the question's code, why, and what the API says of it."""

    code: str
    reason: Reason
    message: str


@dataclass(frozen=True)
class Checked:
    """Answers as they are stored (unanswered questions left out), or what is wrong."""

    answers: dict[str, Answer]
    problems: list[Problem]


def check_answers(questions: Sequence[Question], given: Mapping[str, object]) -> Checked:
    """Clean `given` against `questions`: each problem found, in the questions' order, then
    the codes no question has. Blank answers count as unanswered."""
    answers: dict[str, Answer] = {}
    problems: list[Problem] = []
    for question in questions:
        raw = given.get(question.code)
        if _blank(raw):
            if question.required:
                problems.append(Problem(question.code, Reason.REQUIRED, "an answer is required"))
            continue
        cleaned = _clean(question, raw)
        if isinstance(cleaned, Problem):
            problems.append(cleaned)
        else:
            answers[question.code] = cleaned
    asked = {q.code for q in questions}
    known = f"its questions are {', '.join(sorted(asked))}" if asked else "it asks none"
    for code in sorted(str(c) for c in given if c not in asked):
        message = f"no such question for this category: {known}"
        problems.append(Problem(code, Reason.UNKNOWN, message))
    return Checked(answers, problems)


def answers_field(code: str) -> str:
    """How the API names an answer's field in a 422: answers.<code>."""
    return f"answers.{code}"


def validate_answers(
    questions: Sequence[Question],
    given: Mapping[str, object],
    *,
    field: Callable[[str], str] = answers_field,
) -> dict[str, Answer]:
    """The cleaned answers; InvalidInput naming each refused one (`field(code)`)."""
    checked = check_answers(questions, given)
    if checked.problems:
        raise InvalidInput.fields(
            [{"loc": (field(p.code),), "msg": p.message} for p in checked.problems]
        )
    return checked.answers


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _clean(question: Question, raw: object) -> Answer | Problem:
    if question.type == QuestionType.NUMBER:
        return _number(question, raw)
    # Text of any kind; a whole number is taken as its digits (a meter number sent as JSON).
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        return Problem(question.code, Reason.NOT_TEXT, "must be text")
    text = raw.strip()
    if question.type == QuestionType.DATE:
        return _date(question, text)
    if question.type == QuestionType.CHOICE:
        if question.choice(text) is None:
            offered = ", ".join(c.code for c in question.choices)
            return Problem(question.code, Reason.NOT_A_CHOICE, f"must be one of {offered}")
        return text
    if len(text) > question.max_length:
        message = f"must be at most {question.max_length} characters"
        return Problem(question.code, Reason.TOO_LONG, message)
    if question.pattern is not None and re.fullmatch(question.pattern, text) is None:
        return Problem(question.code, Reason.PATTERN, "is not in the form asked for")
    return text


def _number(question: Question, raw: object) -> Answer | Problem:
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str) and _NUMBER.fullmatch(raw.strip()):
        value = float(raw.strip())
    if value is None or not math.isfinite(value) or abs(value) >= 1e15:
        message = "must be a number, digits with an optional decimal point (e.g. 150000)"
        return Problem(question.code, Reason.NOT_A_NUMBER, message)
    if question.min is not None and value < question.min:
        return Problem(question.code, Reason.TOO_SMALL, f"must be at least {question.min:g}")
    if question.max is not None and value > question.max:
        return Problem(question.code, Reason.TOO_LARGE, f"must be at most {question.max:g}")
    return int(value) if value.is_integer() else value


def _date(question: Question, text: str) -> Answer | Problem:
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    return Problem(question.code, Reason.NOT_A_DATE, "must be a date, YYYY-MM-DD")


@dataclass(frozen=True)
class Answered:
    """An answer as people read it: the question's label and the value in words."""

    code: str
    label: str
    value: str


def shown(
    questions: Sequence[Question], answers: Mapping[str, Any], language: str
) -> list[Answered]:
    """The answers in the questions' order, with labels in `language`; an answer whose
    question has since left the rules file keeps its code as label."""
    by_code = {q.code: q for q in questions}
    order = [q.code for q in questions if q.code in answers] + sorted(
        code for code in answers if code not in by_code
    )
    return [_shown(by_code.get(code), code, answers[code], language) for code in order]


def _shown(question: Question | None, code: str, value: Any, language: str) -> Answered:
    if question is None:
        return Answered(code, code, str(value))
    choice = question.choice(str(value)) if question.type == QuestionType.CHOICE else None
    text = choice.label.text(language) if choice else _plain(value)
    return Answered(code, question.label.text(language), text)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
