"""Report figures equal an independent count from the raw tables; CSV and PDF carry them."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from pypdf import PdfReader
from sqlalchemy import text

from telehealth.db import Database
from telehealth.regulator.periods import from_code
from tests.fixtures.http import login
from tests.regulator.world import World

Q4 = {"period": "2026-Q4"}
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def _u(value: uuid.UUID, db: Database) -> Any:
    # SQLite keeps UUIDs as 32 hex digits; PostgreSQL has a uuid type.
    return value.hex if db.engine.dialect.name == "sqlite" else value


def _t(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


async def _count(db: Database, sql: str, **params: Any) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar_one())


async def _expected(db: Database, facility: uuid.UUID) -> dict[str, Any]:
    period = from_code("2026-Q4")
    window = ("submitted_at IS NOT NULL AND submitted_at >= :start AND submitted_at < :end")
    p = {"f": _u(facility, db), "start": _t(period.start_utc), "end": _t(period.end_utc)}
    received = f"FROM consultation_request WHERE consulting_facility_id = :f AND {window}"
    due = (f"{received} AND due_at IS NOT NULL AND (accepted_at IS NOT NULL OR due_at <= :now)")
    return {
        "requested": await _count(db, "SELECT count(*) FROM consultation_request "
                                  f"WHERE requesting_facility_id = :f AND {window}", **p),
        "received": await _count(db, f"SELECT count(*) {received}", **p),
        "emergency": await _count(db, f"SELECT count(*) {received} AND urgency = 'emergency'",
                                  **p),
        "imaging": await _count(db, f"SELECT count(*) {received} "
                                "AND activity = 'remote_imaging'", **p),
        "sla_due": await _count(db, f"SELECT count(*) {due}", **p, now=_t(NOW)),
        "sla_met": await _count(db, f"SELECT count(*) {due} AND accepted_at <= due_at", **p,
                                now=_t(NOW)),
        "concluded": await _count(db, f"SELECT count(*) {received} AND concluded_at IS NOT NULL",
                                  **p),
        "outcome": await _count(db, f"SELECT count(*) {received} AND concluded_at IS NOT NULL "
                                "AND patient_outcome IS NOT NULL", **p),
        "delivered": await _count(
            db, "SELECT count(*) FROM consultation_request c "
            "JOIN clinical_document d ON d.consultation_id = c.id "
            "JOIN outbox_message m ON m.id = d.outbox_message_id "
            "WHERE c.consulting_facility_id = :f AND c.concluded_at IS NOT NULL "
            f"AND m.status = 'delivered' AND c.{window}", **p),
        "sessions": await _count(
            db, "SELECT count(*) FROM session_quality_rollup q JOIN consultation_request c "
            f"ON c.id = q.resource_id WHERE c.consulting_facility_id = :f AND c.{window}", **p),
    }


async def test_facility_figures_equal_an_independent_count(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    headers = await login(client, "bo")
    report = (await client.get("/api/v1/regulator/reports", params=Q4, headers=headers)).json()
    rows = {row["key"]: row["figures"] for row in report["facilities"]}
    for name in ("hA", "sA", "hB", "dB"):
        facility = world.facilities[name]
        expected = await _expected(db, facility)
        got = rows.get(str(facility))
        if expected["requested"] == expected["received"] == 0:
            assert got is None
            continue
        assert got is not None
        assert (got["requested"], got["received"]) == (expected["requested"],
                                                       expected["received"]), name
        assert got["by_urgency"]["emergency"] == expected["emergency"]
        assert got["by_activity"]["remote_imaging"] == expected["imaging"]
        assert (got["sla_met"], got["sla_due"]) == (expected["sla_met"], expected["sla_due"])
        assert got["concluded"] == expected["concluded"]
        assert got["outcome_reported"] == expected["outcome"]
        assert got["delivered"] == expected["delivered"]
        assert got["quality_sessions"] == expected["sessions"]
    # The seeded facts, spelled out once so the independent count is not vacuous.
    ha = rows[str(world.facilities["hA"])]
    assert (ha["received"], ha["sla_met"], ha["sla_due"], ha["concluded"]) == (3, 1, 3, 2)
    assert (ha["outcome_rate"], ha["delivery_rate"], ha["mean_mos"]) == (0.5, 0.5, 4.1)
    assert report["has_quality"] is True


async def test_province_rows_add_up_their_facilities(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "bo")
    report = (await client.get("/api/v1/regulator/reports", params=Q4, headers=headers)).json()
    provinces = {row["key"]: row["figures"] for row in report["provinces"]}
    for code in ("08", "01"):
        facilities = [r["figures"] for r in report["facilities"] if r["province_code"] == code]
        assert provinces[code]["received"] == sum(f["received"] for f in facilities)
        assert provinces[code]["requested"] == sum(f["requested"] for f in facilities)
    assert report["total"]["received"] == 5


async def test_the_csv_has_a_row_per_facility_and_province(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "so.a")
    response = await client.get("/api/v1/regulator/reports.csv", params=Q4, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Cấp", "Mã", "Tên"] and "Tỷ lệ tiếp nhận đúng hạn" in rows[0]
    by_name = {row[2]: row for row in rows[1:]}
    hospital = by_name["Bệnh viện Đa khoa tỉnh Tuyên Quang"]
    assert hospital[0] == "facility" and hospital[rows[0].index("Số ca tiếp nhận")] == "3"
    assert "Bệnh viện Bạch Mai" not in by_name  # another province's hospital


async def test_the_pdf_renders_vietnamese_with_its_diacritics(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = await login(client, "so.a")
    response = await client.get("/api/v1/regulator/reports.pdf", params=Q4, headers=headers)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    content = "\n".join(page.extract_text() for page in reader.pages)
    assert "Báo cáo hoạt động khám bệnh, chữa bệnh từ xa" in content
    assert "Quý 4/2026" in content and "tỉnh Tuyên Quang (Sở Y tế)" in content
    assert "Trạm Y tế xã Tràng Đà" in content


async def test_a_bad_period_is_a_clear_422(client: httpx.AsyncClient, world: World) -> None:
    headers = await login(client, "bo")
    response = await client.get("/api/v1/regulator/reports", params={"period": "2026-Q5"},
                                headers=headers)
    assert response.status_code == 422
    response = await client.get("/api/v1/regulator/reports",
                                params={"start": "2026-12-01", "end": "2026-11-01"},
                                headers=headers)
    assert response.status_code == 422
