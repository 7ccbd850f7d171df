"""The periodic report as CSV (UTF-8 with BOM, for spreadsheet programs) and as PDF.

The PDF embeds DejaVu Sans (shipped in fonts/, from Debian's fonts-dejavu-core; licence in
fonts/LICENSE-DejaVu.txt): the PDF core fonts have no Vietnamese letters. Text is put in
NFC so every letter with its diacritics is one precomposed glyph of the font.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from fpdf import FPDF

from telehealth.clock import to_local
from telehealth.i18n import translate
from telehealth.regulator.columns import cell, columns, label
from telehealth.regulator.reports import Report, Row

FONTS = Path(__file__).resolve().parent / "fonts"


def _scope(report: Report, lang: str, province_names: dict[str, str]) -> str:
    if report.province_code is None:
        return translate("regulator.scope.national", lang)
    name = province_names.get(report.province_code, report.province_code)
    return translate("regulator.scope.province", lang, name=name)


def to_csv(report: Report, lang: str) -> bytes:
    cols = columns(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate("regulator.report.level", lang),
                     translate("regulator.report.code", lang),
                     translate("regulator.report.name", lang),
                     translate("regulator.report.province", lang),
                     *(label(c, lang) for c in cols)])
    sections: list[tuple[str, list[Row]]] = [("facility", report.facilities),
                                             ("province", report.provinces)]
    for level, rows in sections:
        for row in rows:
            writer.writerow([level, row.key, row.name, row.province_code,
                             *(cell(c, row.figures) for c in cols)])
    writer.writerow(["total", "", translate("regulator.report.total", lang), "",
                     *(cell(c, report.total) for c in cols)])
    return ("\ufeff" + out.getvalue()).encode()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _ReportPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=12)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, _nfc(f"{self.footer_text} · {self.page_no()}"), align="R")


def _table(pdf: _ReportPDF, title: str, rows: list[Row], report: Report, lang: str) -> None:
    cols = columns(report)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 7, _nfc(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 6)
    name_width = 52.0
    width = (pdf.epw - name_width) / len(cols)
    with pdf.table(col_widths=(name_width, *([width] * len(cols))), text_align="CENTER",
                   line_height=3.2, first_row_as_headings=True) as table:
        header = table.row()
        header.cell(_nfc(translate("regulator.report.name", lang)))
        for column in cols:
            header.cell(_nfc(label(column, lang)))
        for row in [*rows]:
            line = table.row()
            line.cell(_nfc(row.name), align="LEFT")
            for column in cols:
                line.cell(cell(column, row.figures))
        total = table.row()
        total.cell(_nfc(translate("regulator.report.total", lang)), align="LEFT")
        for column in cols:
            total.cell(cell(column, report.total))
    pdf.ln(4)


def to_pdf(report: Report, lang: str, province_names: dict[str, str]) -> bytes:
    generated = to_local(report.generated_at).strftime("%H:%M %d/%m/%Y")
    pdf = _ReportPDF(translate("regulator.pdf.footer", lang, at=generated))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 7, _nfc(translate("regulator.pdf.title", lang)), align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, _nfc(f"{report.period.label(lang)} · {_scope(report, lang, province_names)}"),
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, translate("regulator.report.by_facility", lang), report.facilities, report, lang)
    _table(pdf, translate("regulator.report.by_province", lang), report.provinces, report, lang)
    pdf.set_font("DejaVu", "", 8)
    notes = [translate("regulator.report.note_counting", lang)]
    if not report.has_quality:
        notes.append(translate("regulator.report.no_quality", lang))
    for note in notes:
        pdf.multi_cell(0, 4, _nfc(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
