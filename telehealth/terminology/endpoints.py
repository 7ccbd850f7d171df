"""Terminology API: the ICD-10 search box of the consultation form (staff only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from telehealth.accounts.deps import StaffActor
from telehealth.terminology import search

router = APIRouter(prefix="/terminology", tags=["terminology"])


class Icd10Hit(BaseModel):
    code: str
    title: str
    title_en: str
    is_leaf: bool


@router.get(
    "/icd10",
    response_model=list[Icd10Hit],
    summary="Search ICD-10 codes",
    description="By code (`I10`, `e119`) or by title words, case and diacritics ignored "
    "(`tang huyet ap` finds Tăng huyết áp). `title` is in `lang` where a Vietnamese title is "
    "known, English otherwise. Leaf codes (`is_leaf`) are the ones to record.",
    responses={200: {"content": {"application/json": {"example": [
        {"code": "I10", "title": "Tăng huyết áp vô căn (nguyên phát)",
         "title_en": "Essential (primary) hypertension", "is_leaf": True}
    ]}}}},
)
async def search_icd10(
    actor: StaffActor,
    q: Annotated[str, Query(min_length=1, max_length=80, description="Code or title words")],
    lang: Annotated[Literal["vi", "en"] | None, Query(description="Default: the caller's")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[Icd10Hit]:
    language: Literal["vi", "en"] = lang or ("en" if actor.lang == "en" else "vi")
    return [
        Icd10Hit(code=c.code, title=c.title(language), title_en=c.title_en, is_leaf=c.is_leaf)
        for c in search(q, language, limit)
    ]
