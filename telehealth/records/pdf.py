"""The PDF of a signed document (fpdf2, DejaVu Sans for Vietnamese diacritics).

Deterministic: the same signed version gives the same bytes. The creation date is the
signing time and the PDF file identifier is derived from the document id and signature,
never from the wall clock or a random source, so the stored hash of a version can be
checked by rendering it again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from telehealth.clock import to_local
from telehealth.records.labels import (
    ACTIVITIES,
    DISPOSITIONS,
    REMOTE_CARE_NOTE,
    ROLES,
    SECTIONS,
    SEXES,
)
from telehealth.signatures.signing import Signature

FONT_DIR = Path(__file__).resolve().parents[2] / "web" / "static" / "fonts"
FONT = "DejaVu"


def _local(value: str | None) -> str:
    if not value:
        return ""
    return to_local(datetime.fromisoformat(value.replace("Z", "+00:00"))).strftime("%H:%M %d/%m/%Y")


class _Document(FPDF):
    def __init__(self, footer_text: str, file_seed: str) -> None:
        super().__init__(format="A4")
        self._footer_text = footer_text
        self._file_seed = file_seed
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)

    def file_id(self) -> str:
        # Derived from the document and its signature rather than from the output bytes:
        # just as unique, and plainly stable for a version.
        return f"<{self._file_seed}><{self._file_seed}>"

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 7)
        self.cell(0, 5, f"{self._footer_text} · {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(FONT, "B", 11)
        self.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 10)

    def para(self, text: str, *, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", 10)
        self.multi_cell(0, 5.2, text or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(self, label: str, value: str) -> None:
        self.set_font(FONT, "B", 10)
        self.write(5.2, f"{label}: ")
        self.set_font(FONT, "", 10)
        self.write(5.2, value or "-")
        self.ln(5.6)


def render_pdf(document: dict[str, Any], signature: Signature) -> bytes:
    """The PDF of a signed version (Vietnamese; the document's own language)."""
    sig = signature.to_dict()
    seed = hashlib.sha256((document["id"] + sig["value"]).encode()).hexdigest()[:32].upper()
    pdf = _Document(f"{document['title']} · {document['id']} · phiên bản {document['version']}",
                    seed)
    pdf.set_creation_date(signature.signed_at)
    pdf.set_title(document["title"])
    pdf.set_author(document["author"]["full_name"])
    pdf.set_producer("VTelehealth")
    pdf.set_creator("VTelehealth")
    pdf.add_page()
    if document["kind"] == "consultation_minutes":
        _minutes(pdf, document)
    else:
        _summary(pdf, document)
    _signature_block(pdf, document, sig)
    return bytes(pdf.output())


def _header(pdf: _Document, document: dict[str, Any], facility: dict[str, Any]) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5, facility["name"].upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, f"Mã cơ sở: {facility['code']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, document["title"].upper(), align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    version = f"Phiên bản {document['version']}"
    if document["replaces"]:
        version += f" (thay thế bản {document['replaces']})"
    pdf.multi_cell(0, 5, version, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _patient(pdf: _Document, document: dict[str, Any]) -> None:
    p = document["patient"]
    pdf.heading(SECTIONS["patient"])
    pdf.field("Họ và tên", p["full_name"])
    pdf.field("Ngày sinh", p["date_of_birth"])
    pdf.field("Giới tính", SEXES.get(p["sex"], p["sex"]))
    if p["national_id"]:
        pdf.field("Số CCCD", p["national_id"])
    if p["health_insurance_number"]:
        pdf.field("Số thẻ BHYT", p["health_insurance_number"])


def _period(pdf: _Document, document: dict[str, Any]) -> None:
    pdf.heading(SECTIONS["period"])
    pdf.para(f"Từ {_local(document['period']['start'])} đến {_local(document['period']['end'])}")


def _diagnoses(pdf: _Document, document: dict[str, Any]) -> None:
    pdf.heading(SECTIONS["diagnoses"])
    for d in document["diagnoses"]:
        pdf.para(f"{d['code']}  {d['title']}")


def _disposition(pdf: _Document, document: dict[str, Any]) -> None:
    d = document["disposition"]
    pdf.heading(SECTIONS["disposition"])
    pdf.para(DISPOSITIONS.get(d["kind"] or "", d["kind"] or ""), bold=True)
    if d["note"]:
        pdf.para(d["note"])
    if d["follow_up_on"]:
        pdf.field("Ngày hẹn", datetime.fromisoformat(d["follow_up_on"]).strftime("%d/%m/%Y"))


def _chat(pdf: _Document, document: dict[str, Any]) -> None:
    if document["chat_excerpts"]:
        pdf.heading(SECTIONS["chat_excerpts"])
        for line in document["chat_excerpts"]:
            pdf.para(f"[{_local(line['at'])}] {line['author']}: {line['text']}")


def _minutes(pdf: _Document, document: dict[str, Any]) -> None:
    c = document["consultation"]
    _header(pdf, document, c["consulting_facility"])
    pdf.field("Hình thức", ACTIVITIES.get(c["activity"], c["activity"]))
    pdf.field("Cơ sở đề nghị", f"{c['requesting_facility']['name']} "
                               f"({c['requesting_facility']['code']})")
    pdf.field("Cơ sở tư vấn", f"{c['consulting_facility']['name']} "
                              f"({c['consulting_facility']['code']})")
    _period(pdf, document)
    pdf.heading(SECTIONS["participants"])
    for p in document["participants"]:
        where = f", {p['facility']}" if p["facility"] else ""
        pdf.para(f"• {p['name']} — {ROLES.get(p['role'], p['role'])}{where}")
    _patient(pdf, document)
    pdf.heading(SECTIONS["case_summary"])
    pdf.para(document["case_summary"])
    pdf.heading(SECTIONS["questions"])
    for q in document["questions"]:
        pdf.para(f"{q['position']}. {q['question']}", bold=True)
        pdf.para(q["conclusion"])
    _diagnoses(pdf, document)
    pdf.heading(SECTIONS["conclusion"])
    pdf.para(document["conclusion"])
    pdf.heading(SECTIONS["recommendations"])
    pdf.para(document["recommendations"])
    _disposition(pdf, document)
    if document["opinions"]:
        pdf.heading(SECTIONS["opinions"])
        for o in document["opinions"]:
            pdf.para(f"{o['author']} ({o['facility']}): {o['text']}")
    _chat(pdf, document)


def _summary(pdf: _Document, document: dict[str, Any]) -> None:
    v = document["visit"]
    _header(pdf, document, v["facility"])
    if v["reason"]:
        pdf.field("Lý do khám", v["reason"])
    _period(pdf, document)
    _patient(pdf, document)
    pdf.heading(SECTIONS["findings"])
    pdf.para(document["findings"])
    _diagnoses(pdf, document)
    outside = document["remote_care_check"]["not_found"]
    if outside:
        pdf.para(REMOTE_CARE_NOTE.format(codes=", ".join(outside)))
    pdf.heading(SECTIONS["advice"])
    pdf.para(document["advice"])
    _disposition(pdf, document)
    _chat(pdf, document)


def _signature_block(pdf: _Document, document: dict[str, Any], sig: dict[str, str]) -> None:
    a = document["author"]
    pdf.ln(4)
    pdf.heading(SECTIONS["signature"])
    pdf.field("Người ký", f"{a['title']} {a['full_name']}".strip())
    pdf.field("Chứng chỉ hành nghề", a["practice_certificate_number"])
    pdf.field("Cơ sở", a["facility"]["name"])
    pdf.field("Thời điểm ký", _local(sig["signed_at"]))
    pdf.field("Thuật toán", sig["algorithm"])
    pdf.field("Mã khoá", sig["key_id"])
    pdf.field("Mã băm văn bản", sig["digest"])
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(0, 4, f"Chữ ký: {sig['value']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(0, 4, "Kiểm tra chữ ký: GET /api/v1/records/"
                   f"{document['id']}/verification hoặc lệnh `telehealth verify-signature`.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
