"""Time signed consultation minutes from SIGNING to delivered at the test FHIR server.

.venv/bin/python -m benchmarks.records_delivery [--documents 200] [--database-url URL]

Everything a clinician's "Sign" does runs for real (telehealth.records.signing.sign_draft):
the document built from the request, Ed25519 signature (key made on first use), the PDF
(fpdf2, DejaVu Sans), the FHIR transaction Bundle (12 resources with the PDF inline), the
outbox row, the `conclude` transition, audit and notification, one transaction each. Then:
1. backlog: N minutes signed first, then the dispatcher drains them: signing throughput,
   delivery throughput and signing→delivered of a burst;
2. steady: minutes signed at a fixed rate while the outbox job runs at its production
   interval (5 s): the signing→delivered latency the requesting station would see.
Latency is `outbox_message.delivered_at − clinical_document.signed_at` (system clock).
Default database: a fresh SQLite file; pass a PostgreSQL URL (an empty database it may
drop tables in) to measure that instead. The test server (tests/fhir_server) starts here.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, col

import telehealth.models  # noqa: F401  (every table, for create_all)
from benchmarks.fhir_delivery import JOB_INTERVAL_SECONDS, outbox_job_running
from signaling.bus.memory import MemoryBus
from telehealth.accounts.context import Actor
from telehealth.clock import SystemClock
from telehealth.config import Settings
from telehealth.consultations.context import ServiceContext
from telehealth.db import Database
from telehealth.jobs import JobContext
from telehealth.models import (
    ClinicalDocument,
    ConsultationQuestion,
    ConsultationRequest,
    ConsultationStatus,
    Facility,
    FacilityLevel,
    OutboxMessage,
    OutboxStatus,
    Patient,
    Practitioner,
    PractitionerSpecialty,
    Province,
    RecordDraft,
    Role,
    Sex,
    Specialty,
    User,
)
from telehealth.outbox.dispatcher import Dispatcher
from telehealth.outbox.fhir_handler import delivery_handlers
from telehealth.outbox.tasks import OutboxJob
from telehealth.records.access import consultation_subject
from telehealth.records.drafts import open_draft
from telehealth.records.signing import sign_draft
from tests.fixtures.fhir_server import FhirTestServer

RESOURCES_PER_BUNDLE = 12  # Patient, 2 Organization, 2 Practitioner, ServiceRequest,
# 2 Condition, Encounter, Composition, DocumentReference, Provenance


class World:
    """One station, one district hospital, a requester and a consulting cardiologist."""

    async def seed(self, db: Database, clock: SystemClock) -> None:
        now = clock.now()
        async for s in db.transaction():
            s.add(Province(code="08", name="Tuyên Quang", name_en="Tuyen Quang"))
            await s.flush()
            self.station = Facility(code="08001", name="Trạm Y tế xã An",
                                    level=FacilityLevel.commune, province_code="08",
                                    created_at=now)
            self.district = Facility(code="08002", name="Trung tâm Y tế khu vực Yên Sơn",
                                     level=FacilityLevel.district, province_code="08",
                                     created_at=now)
            self.specialty = Specialty(code="cardio", name_vi="Tim mạch", name_en="Cardiology")
            s.add_all([self.station, self.district, self.specialty])
            await s.flush()
            self.requester = User(username="requester", full_name="Y sĩ Nguyễn Văn Bình",
                                  password_hash="-", role=Role.clinician,
                                  facility_id=self.station.id, created_at=now)
            self.consultant = User(username="cardio", full_name="Trần Thị Lan",
                                   password_hash="-", role=Role.clinician,
                                   facility_id=self.district.id, created_at=now)
            s.add_all([self.requester, self.consultant])
            await s.flush()
            self.practitioner = Practitioner(
                user_id=self.consultant.id, facility_id=self.district.id,
                practice_certificate_number="000123/TQ-CCHN", title="BSCKII", created_at=now)
            s.add(self.practitioner)
            await s.flush()
            s.add(PractitionerSpecialty(practitioner_id=self.practitioner.id,
                                        specialty_id=self.specialty.id))

    async def accepted_request(self, db: Database, clock: SystemClock, n: int) -> uuid.UUID:
        now = clock.now()
        async for s in db.transaction():
            patient = Patient(national_id=f"008{n:09d}", full_name=f"Bệnh nhân {n}",
                              date_of_birth=date(1968, 3, 15), sex=Sex.male, created_at=now)
            s.add(patient)
            await s.flush()
            request = ConsultationRequest(
                patient_id=patient.id, requesting_facility_id=self.station.id,
                requested_by_user_id=self.requester.id, consulting_facility_id=self.district.id,
                specialty_id=self.specialty.id, activity="remote_consultation", urgency="urgent",
                status=ConsultationStatus.accepted, reason="Đau ngực trái 2 giờ",
                history="Tăng huyết áp 10 năm", diagnosis_codes=["I20.0", "I10"],
                created_at=now, updated_at=now, submitted_at=now, accepted_at=now,
                accepted_by_user_id=self.consultant.id,
            )
            s.add(request)
            await s.flush()
            for position, text in enumerate(("Có cần chuyển tuyến ngay không?",
                                             "Xử trí ban đầu?"), start=1):
                s.add(ConsultationQuestion(consultation_id=request.id, position=position,
                                           text=text))
        return request.id

    async def sign(self, db: Database, settings: Settings, clock: SystemClock, bus: MemoryBus,
                   consultation_id: uuid.UUID) -> None:
        """One clinician's "Sign": open the draft, fill it, sign; one transaction."""
        async for s in db.transaction():
            user = await s.get(User, self.consultant.id)
            assert user is not None
            actor = Actor.of(user, role=Role.clinician, facility_id=self.district.id,
                             province_code="08")
            ctx = ServiceContext(session=s, actor=actor, clock=clock, bus=bus, settings=settings)
            subject = await consultation_subject(ctx, consultation_id)
            draft: RecordDraft = await open_draft(ctx, subject)
            content = dict(draft.content)
            content.update({
                "answers": [{"question_id": a["question_id"], "conclusion": "Chuyển tuyến ngay."}
                            for a in content["answers"]],
                "started_at": clock.now().isoformat(), "ended_at": clock.now().isoformat(),
                "diagnosis_codes": ["I21.1", "I10"],
                "conclusion": "Nhồi máu cơ tim cấp thành dưới.",
                "recommendations": "Aspirin 300 mg nhai; theo dõi monitor.",
                "disposition": "transfer",
            })
            draft.content = content
            await sign_draft(ctx, subject, draft)


async def latencies(db: Database, since: datetime) -> list[float]:
    """signed→delivered of the documents signed since `since` (this run's)."""
    async for s in db.transaction():
        rows = (await s.execute(
            select(col(ClinicalDocument.signed_at), col(OutboxMessage.delivered_at),
                   col(OutboxMessage.status))
            .join(OutboxMessage,
                  col(OutboxMessage.id) == col(ClinicalDocument.outbox_message_id))
            .where(col(ClinicalDocument.signed_at) >= since)
        )).all()
    pending = [r for r in rows if r[2] != OutboxStatus.delivered]
    if pending:
        raise SystemExit(f"{len(pending)} of {len(rows)} not delivered")
    return [(delivered - signed).total_seconds() for signed, delivered, _ in rows]


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def backlog(db: Database, settings: Settings, world: World, n: int) -> list[float]:
    clock, bus = SystemClock(), MemoryBus()
    ids = [await world.accepted_request(db, clock, i) for i in range(n)]
    since = clock.now()
    start = time.perf_counter()
    for cid in ids:
        await world.sign(db, settings, clock, bus, cid)
    sign_s = time.perf_counter() - start
    start = time.perf_counter()
    async with delivery_handlers(settings, clock, OutboxJob().tokens) as (handlers, waiting):
        dispatcher = Dispatcher(db, settings=settings, clock=clock, handlers=handlers,
                                waiting=waiting)
        report = await dispatcher.run_until_idle(limit=50, max_batches=10_000)
    drain_s = time.perf_counter() - start
    lat = await latencies(db, since)
    print(f"backlog: {n} minutes signed in {sign_s:.2f} s ({n / sign_s:.1f}/s, "
          f"{1000 * sign_s / n:.0f} ms each)")
    print(f"backlog: delivered {report.delivered} in {drain_s:.2f} s = {n / drain_s:.1f} "
          f"bundles/s ({RESOURCES_PER_BUNDLE * n / drain_s:.0f} resources/s)")
    print(f"backlog: signing→delivered p50 {pct(lat, 50):.2f} s, p99 {pct(lat, 99):.2f} s")
    return lat


async def steady(db: Database, settings: Settings, world: World, rate: float,
                 seconds: float) -> list[float]:
    clock, bus = SystemClock(), MemoryBus()
    count = int(rate * seconds)
    ids = [await world.accepted_request(db, clock, 100_000 + i) for i in range(count)]
    since = clock.now()
    async with outbox_job_running(JobContext(db, settings, clock, None)):
        start = time.perf_counter()
        for i, cid in enumerate(ids):
            await world.sign(db, settings, clock, bus, cid)
            await asyncio.sleep(max(0.0, start + (i + 1) / rate - time.perf_counter()))
        await asyncio.sleep(JOB_INTERVAL_SECONDS + 1)
    lat = await latencies(db, since)
    print(f"steady: {count} minutes at {rate:.0f}/s, job every {JOB_INTERVAL_SECONDS:.0f} s: "
          f"signing→delivered p50 {pct(lat, 50):.2f} s, p99 {pct(lat, 99):.2f} s, "
          f"max {max(lat):.2f} s")
    return lat


async def main_async(args: argparse.Namespace) -> None:
    server = FhirTestServer()
    server.start()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()
    settings = Settings(
        environment="test", database_url=url, data_dir=Path(tmp.name),
        vhr_base_url=server.base_url, vhr_token_url=server.token_url,
        vhr_client_id=server.client_id, vhr_client_secret=server.client_secret,
    )
    db = Database(settings)
    world = World()
    try:
        print(f"database: {url.split(':', 1)[0]}; FHIR server: {server.base_url}")
        await world.seed(db, SystemClock())
        await backlog(db, settings, world, args.documents)
        await steady(db, settings, world, args.rate, args.seconds)
    finally:
        await db.dispose()
        server.close()
        tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="steady run: signings per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="steady run: how long")
    parser.add_argument("--database-url", default=None)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
