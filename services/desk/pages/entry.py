"""The call centre's page: a complaint taken on the phone, ending on the tracking code and
the access token to read out (what POST /v1/staff/complaints does, as a form)."""

from __future__ import annotations

import secrets
from collections.abc import Collection

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from aduan import i18n
from aduan.domain.access_log import Access
from aduan.domain.errors import AduanError
from aduan.domain.questions import check_answers
from aduan.domain.vocabulary import Channel
from aduan.store.submission import ComplaintIn, submit
from aduan.web.pages import answer_errors, choose_language
from services.desk import audit
from services.desk.pages.render import page
from services.desk.pages.session import EntryDep, SignedIn, posted

router = APIRouter(include_in_schema=False)
FIELDS = ("description", "subject", "category", "name", "phone", "email", "account_ref")
QUESTIONS_FOR = "questions_for"  # the category whose questions the form showed


def _form(
    request: Request,
    signed: SignedIn,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    values: dict[str, str] | None = None,
    wrong: Collection[str] = (),
    notice: str | None = None,
) -> HTMLResponse:
    chosen = (values or {}).get("category", "").strip()
    questions = request.app.state.rules.questions_for(chosen) if chosen else []
    return page(
        request,
        "entry.html",
        signed,
        status=status,
        errors=errors or [],
        values=values or {},
        categories=request.app.state.categories,
        questions=questions,
        questions_for=chosen if questions else "",
        wrong=wrong,
        notice=notice,
        # One key per form shown: pressing the button twice, or reloading after a timeout,
        # files the complaint once (the API's Idempotency-Key).
        key=secrets.token_urlsafe(16),
    )


@router.get("/entry", response_class=HTMLResponse)
async def entry_form(request: Request, signed: EntryDep) -> Response:
    """The form of a complaint taken on the phone."""
    return _form(request, signed)


@router.post("/entry", response_class=HTMLResponse)
async def enter(request: Request, signed: EntryDep) -> Response:
    """File the complaint as the caller told it; the receipt to read out, or the form again."""
    fields = await posted(request, signed)
    given = {k: fields.get(k, "").strip() for k in FIELDS}
    questions = request.app.state.rules.questions_for(given["category"] or None)
    if questions and fields.get(QUESTIONS_FOR) != given["category"]:
        # The caller's category asks questions the form did not show yet: ask them first.
        notice = i18n.text(choose_language(request)[0], "desk.entry.questions")
        return _form(request, signed, notice=notice, values=fields)
    answers = {q.code: fields.get(f"answers.{q.code}", "") for q in questions}
    problems = check_answers(questions, answers).problems
    if problems:
        language = choose_language(request)[0]
        found = answer_errors(problems, questions, language)
        texts = [i18n.text(language, key, **values) for key, values in found.values()]
        return _form(request, signed, status=422, errors=texts, values=fields, wrong=set(found))
    complainant = {k: given[k] for k in ("name", "phone", "email") if given[k]}
    body = {
        "description": given["description"],
        "channel": Channel.PHONE,
        "complainant": {**complainant, "confidential": fields.get("confidential") == "on"},
        **{k: given[k] for k in ("subject", "category", "account_ref") if given[k]},
        "answers": answers,
    }
    if fields.get("language") == "en":
        body["language"] = "en"
    try:
        parsed = ComplaintIn.model_validate(body)
        created, _ = await submit(
            request.app.state.pool,
            request.app.state.settings,
            request.app.state.policy,
            parsed,
            rules=request.app.state.rules,
            idempotency_key=f"desk-entry:{fields.get('key', '')[:64]}"
            if fields.get("key")
            else None,
            entered_by=signed.account.username,
        )
    except ValidationError as exc:
        errors = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return _form(request, signed, status=422, errors=errors, values=fields)
    except AduanError as exc:
        return _form(request, signed, status=409, errors=[exc.detail], values=fields)
    await audit.record(request, signed.account.staff, Access.ENTER, created.id, surface="page")
    return page(request, "entered.html", signed, status=201, created=created)
