"""The demo's remote consultations (tư vấn / hội chẩn từ xa), played through the domain's services.

Commune stations ask the district centres and the provincial hospital for advice, and every
step is taken by the person whose job it is through the functions the API calls (open and
submit, accept, schedule, forward, the video room, the conclusion, the report back): the
state machine, the timeline, the audit events and the notifications are the real ones.
Each story runs on its own clock set back from the load instant, so a timeline reads like
hours or days of work, and the requests still waiting are inside their SLA when loaded.
"""

# The clinical texts keep one sentence per line, wider than 100 columns but easier to review.
# ruff: noqa: E501

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.context import Actor
from telehealth.clock import VN_TZ, FrozenClock, to_local
from telehealth.config import Settings
from telehealth.consultations import actions, repository, service
from telehealth.consultations.access import Viewer
from telehealth.consultations.context import ServiceContext
from telehealth.consultations.schemas import (
    Answer,
    ConcludeBody,
    ConsultationCreate,
    ForwardBody,
    NewPatient,
    Vitals,
)
from telehealth.models import (
    ConsultationActivity,
    ConsultationRequest,
    ConsultationUrgency,
    Facility,
    Role,
    Sex,
    Specialty,
    User,
)
from telehealth.sessions import service as sessions
from telehealth.sessions.access import room_name
from telehealth.sessions.runtime import signaling_settings


@dataclass(frozen=True)
class Case:
    """What a station's staff member types into a new request."""

    specialty: str  # specialty code
    activity: ConsultationActivity
    urgency: ConsultationUrgency
    patient: NewPatient  # registered on the spot, consent given in person
    reason: str  # lý do hội chẩn
    history: str  # tóm tắt bệnh sử
    vitals: Vitals
    diagnosis_codes: list[str]  # chẩn đoán sơ bộ, ICD-10
    questions: list[str]


A, U = ConsultationActivity, ConsultationUrgency
# Facility codes of telehealth.demo.FACILITIES.
HOSPITAL, YEN_SON, HAM_YEN = "08001", "08010", "08020"

# fmt: off
CHEST_PAIN = Case(
    "tim-mach", A.remote_consultation, U.urgent,
    NewPatient(full_name="Nông Văn Khải", national_id="008061004821", date_of_birth=date(1961, 4, 18), sex=Sex.male,
               health_insurance_number="HT2080800567812", address="Xã Thái Bình, tỉnh Tuyên Quang"),
    "Đau thắt ngực trái từng cơn, tăng dần trong 2 ngày; cơn gần nhất kéo dài 15 phút khi nghỉ.",
    "Tăng huyết áp 8 năm, uống amlodipin không đều. Hút thuốc lá khoảng 30 bao-năm. "
    "Điện tâm đồ tại trạm: ST chênh xuống 1 mm ở V4–V6, không có ST chênh lên.",
    Vitals(bp_systolic=165, bp_diastolic=95, pulse=98, temperature=36.8, spo2=95, respiratory_rate=20),
    ["I20.0", "I10"],
    ["Có cần chuyển bệnh nhân lên tuyến tỉnh ngay không?",
     "Xử trí ban đầu tại trạm trong khi chờ chuyển tuyến?"],
)
CHILD_DIARRHOEA = Case(
    "nhi", A.remote_advice, U.routine,
    NewPatient(full_name="Ma Gia Huy", national_id="008221007315", date_of_birth=date(2021, 8, 3), sex=Sex.male,
               health_insurance_number="TE1080800678123", address="Xã Bình Xa, tỉnh Tuyên Quang"),
    "Trẻ 5 tuổi tiêu chảy 3 ngày, 5–6 lần mỗi ngày, phân lỏng không có máu, nôn 2 lần.",
    "Sốt nhẹ ngày đầu. Ở nhà đã uống oresol nhưng uống kém. Khám: mắt hơi trũng, "
    "nếp véo da mất chậm, trẻ tỉnh, uống háo hức.",
    Vitals(temperature=37.8, pulse=118, respiratory_rate=28, weight_kg=17.5),
    ["A09", "E86"],
    ["Đánh giá mức độ mất nước và phác đồ bù dịch phù hợp tại trạm?",
     "Dấu hiệu nào cần chuyển trẻ lên tuyến trên ngay?"],
)
COPD_EXACERBATION = Case(
    "noi-tong-quat", A.remote_consultation, U.urgent,
    NewPatient(full_name="Đàm Văn Chiến", national_id="008052003917", date_of_birth=date(1952, 12, 1), sex=Sex.male,
               health_insurance_number="HT2080800901456", address="Xã Lang Quán, tỉnh Tuyên Quang"),
    "Khó thở tăng dần 3 ngày, ho khạc đờm đục, SpO2 90% khi thở khí trời.",
    "Bệnh phổi tắc nghẽn mạn tính 10 năm, hút thuốc lào 40 năm. Đã xịt salbutamol tại nhà không đỡ. "
    "Nghe phổi: ran rít, ran ngáy hai bên, ran ẩm đáy phổi phải.",
    Vitals(bp_systolic=138, bp_diastolic=84, pulse=108, temperature=38.2, spo2=90, respiratory_rate=26),
    ["J44.1", "J18.9"],
    ["Có cần chuyển bệnh nhân lên tuyến trên không?",
     "Điều chỉnh điều trị tại trạm trong khi chờ?"],
)
DIABETES = Case(
    "noi-tiet", A.remote_advice, U.routine,
    NewPatient(full_name="Hà Thị Xuân", national_id="008169005142", date_of_birth=date(1969, 2, 11), sex=Sex.female,
               health_insurance_number="GD4080800789234", address="Xã Kim Quan, tỉnh Tuyên Quang"),
    "Đái tháo đường típ 2 kiểm soát kém dù đã dùng metformin liều tối đa; tê bì hai bàn chân về đêm.",
    "Phát hiện đái tháo đường 6 năm, metformin 1000 mg × 2 lần/ngày. Đường huyết lúc đói tại trạm "
    "11–14 mmol/L trong 3 tháng gần đây, HbA1c 9,2% (xét nghiệm tại Trung tâm Y tế khu vực Yên Sơn).",
    Vitals(bp_systolic=142, bp_diastolic=86, pulse=82, weight_kg=68, height_cm=154),
    ["E11.4"],
    ["Có nên phối hợp thêm thuốc hạ đường huyết hay chuyển sang insulin?",
     "Theo dõi biến chứng thần kinh ngoại biên tại trạm như thế nào?"],
)
PRE_ECLAMPSIA = Case(
    "san-phu-khoa", A.remote_consultation, U.urgent,
    NewPatient(full_name="Lý Thị Thu Trang", national_id="008198008264", date_of_birth=date(1998, 6, 25), sex=Sex.female,
               health_insurance_number="GD4080800890345", address="Xã Chân Sơn, tỉnh Tuyên Quang"),
    "Sản phụ mang thai 33 tuần, huyết áp 155/100 mmHg, phù hai chân, đau đầu từ sáng.",
    "Mang thai lần 2 (PARA 1001), khám thai định kỳ tại trạm, huyết áp các lần trước bình thường. "
    "Que thử protein niệu (++). Không đau bụng, không ra máu âm đạo, thai máy tốt.",
    Vitals(bp_systolic=155, bp_diastolic=100, pulse=90, temperature=36.9, spo2=98, weight_kg=64),
    ["O14.9"],
    ["Có cần chuyển sản phụ lên tuyến tỉnh ngay không?",
     "Xử trí trước và trong khi chuyển tuyến?"],
)
PRE_ECLAMPSIA_ANSWERS = [
    "Có. Tiền sản giật có dấu hiệu nặng (đau đầu): chuyển ngay lên Khoa Sản Bệnh viện Đa khoa tỉnh "
    "bằng xe cấp cứu, có nhân viên y tế đi kèm; khoa đã được báo để chuẩn bị tiếp nhận.",
    "Cho sản phụ nằm nghiêng trái, đo huyết áp 15 phút một lần và theo dõi tim thai; hạ áp bằng nifedipin "
    "10 mg uống nếu huyết áp ≥ 160/110 mmHg; chuẩn bị magie sulfat theo Hướng dẫn quốc gia về chăm sóc "
    "sức khỏe sinh sản nếu có co giật.",
]
# fmt: on


def working_day(now: datetime, offset: int, at: time) -> datetime:
    """`at` (Vietnam time) on the working day `offset` working days from `now`'s date."""
    day = to_local(now).date()
    step = 1 if offset > 0 else -1
    remaining = abs(offset)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return datetime.combine(day, at, tzinfo=VN_TZ).astimezone(UTC)


class Cast:
    """The demo's people as actors, each acting on a story's clock in the load's transaction."""

    def __init__(self, session: AsyncSession, settings: Settings, bus: Any) -> None:
        self.session, self.settings, self.bus = session, settings, bus

    async def actor(self, username: str) -> Actor:
        stmt = select(User).where(col(User.username) == username)
        user = (await self.session.execute(stmt)).scalar_one()
        facility = await self.session.get(Facility, user.facility_id)
        return Actor.of(
            user,
            role=Role(user.role),
            facility_id=user.facility_id,
            province_code=facility.province_code if facility else None,
        )

    async def context(self, username: str, clock: FrozenClock) -> ServiceContext:
        actor = await self.actor(username)
        return ServiceContext(self.session, actor, clock, self.bus, self.settings)

    async def open(
        self, username: str, clock: FrozenClock, case: Case, facility_code: str
    ) -> ConsultationRequest:
        """Register the patient, record their consents and submit, as the station does."""
        ctx = await self.context(username, clock)
        specialty = (
            await self.session.execute(
                select(Specialty).where(col(Specialty.code) == case.specialty)
            )
        ).scalar_one()
        data = ConsultationCreate(
            new_patient=case.patient,
            consent_obtained=True,
            activity=case.activity,
            urgency=case.urgency,
            specialty_id=specialty.id,
            consulting_facility_id=await self.facility_id(facility_code),
            reason=case.reason,
            history=case.history,
            vitals=case.vitals,
            diagnosis_codes=case.diagnosis_codes,
            questions=case.questions,
            submit=True,
        )
        return await service.create(ctx, data)

    async def open_as(
        self, username: str, clock: FrozenClock, request: ConsultationRequest
    ) -> tuple[ServiceContext, Viewer]:
        """The person opens the request (an audited read), ready to act on it."""
        ctx = await self.context(username, clock)
        return ctx, await service.load(ctx, request.id)

    async def facility_id(self, code: str) -> uuid.UUID:
        stmt = select(col(Facility.id)).where(col(Facility.code) == code)
        return (await self.session.execute(stmt)).scalar_one()


async def load_consultations(
    session: AsyncSession, settings: Settings, bus: Any, now: datetime
) -> list[ConsultationRequest]:
    """Five requests: two waiting, one forwarded, one scheduled, one closed after a video call."""
    cast = Cast(session, settings, bus)
    return [
        await _waiting_for_the_hospital(cast, now),
        await _waiting_for_a_district_centre(cast, now),
        await _forwarded_to_the_hospital(cast, now),
        await _scheduled_video_consultation(cast, now),
        await _closed_after_a_video_consultation(cast, now),
    ]


async def _waiting_for_the_hospital(cast: Cast, now: datetime) -> ConsultationRequest:
    """In the cardiologists' queue for 35 minutes, inside its two-hour SLA."""
    clock = FrozenClock(now - timedelta(minutes=35))
    return await cast.open("yt.thaibinh", clock, CHEST_PAIN, HOSPITAL)


async def _waiting_for_a_district_centre(cast: Cast, now: datetime) -> ConsultationRequest:
    """Routine advice asked of the Hàm Yên centre's paediatrician two hours ago."""
    clock = FrozenClock(now - timedelta(hours=2))
    return await cast.open("yt.binhxa", clock, CHILD_DIARRHOEA, HAM_YEN)


async def _forwarded_to_the_hospital(cast: Cast, now: datetime) -> ConsultationRequest:
    """The Yên Sơn centre cannot ventilate: its internist forwards the case to the hospital."""
    clock = FrozenClock(now - timedelta(minutes=90))
    request = await cast.open("yt.langquan", clock, COPD_EXACERBATION, YEN_SON)
    clock.advance(timedelta(minutes=35))
    ctx, viewer = await cast.open_as("bs.thu", clock, request)
    reason = (
        "Nghi đợt cấp bệnh phổi tắc nghẽn mạn tính có viêm phổi, SpO2 thấp; trung tâm chưa có "
        "thở máy không xâm nhập, cần ý kiến của tuyến tỉnh."
    )
    body = ForwardBody(facility_id=await cast.facility_id(HOSPITAL), reason=reason)
    return await actions.forward(ctx, viewer, body)


async def _scheduled_video_consultation(cast: Cast, now: datetime) -> ConsultationRequest:
    """Submitted the previous working day; the endocrinologist set a video call for the next one."""
    clock = FrozenClock(working_day(now, -1, time(9, 15)))
    request = await cast.open("yt.kimquan", clock, DIABETES, HOSPITAL)
    clock.advance(timedelta(hours=1, minutes=20))
    ctx, viewer = await cast.open_as("bs.tuan", clock, request)
    note = "Hẹn hội chẩn qua video; đề nghị trạm chuẩn bị kết quả đường huyết mao mạch 7 ngày gần nhất."
    when = working_day(now, 1, time(14, 0))
    return await actions.schedule(ctx, viewer, when, note)


async def _closed_after_a_video_consultation(cast: Cast, now: datetime) -> ConsultationRequest:
    """Accepted within minutes, discussed on video, concluded, and reported back a day later."""
    clock = FrozenClock(working_day(now, -3, time(8, 30)))
    request = await cast.open("yt.chanson", clock, PRE_ECLAMPSIA, HOSPITAL)

    clock.advance(timedelta(minutes=12))
    ctx, viewer = await cast.open_as("bs.huong", clock, request)
    await actions.accept(ctx, viewer, "Nhận ca, gọi video để đánh giá ngay.")
    clock.advance(timedelta(minutes=4))
    ctx, viewer = await cast.open_as("bs.huong", clock, request)
    await actions.start_session(ctx, viewer)

    # Both sides join the room `consultation:<id>`; the specialist, as host, ends it.
    room = room_name("consultation", request.id)
    signaling = signaling_settings(cast.settings)
    for username in ("bs.huong", "yt.chanson"):
        actor = await cast.actor(username)
        await sessions.issue_join_ticket(cast.session, actor, signaling, room, clock.now())
        clock.advance(timedelta(minutes=1))
    clock.advance(timedelta(minutes=22))
    specialist = await cast.actor("bs.huong")
    await sessions.mark_room_ended(cast.session, room, str(specialist.user_id), clock.now())

    clock.advance(timedelta(minutes=8))
    ctx, viewer = await cast.open_as("bs.huong", clock, request)
    questions = await repository.questions(cast.session, request.id)  # in their order
    body = ConcludeBody(
        answers=[
            Answer(question_id=q.id, answer=text)
            for q, text in zip(questions, PRE_ECLAMPSIA_ANSWERS, strict=True)
        ],
        summary="Tiền sản giật có dấu hiệu nặng ở thai 33 tuần: chuyển tuyến tỉnh để theo dõi và điều trị.",
        recommendations="Hạ áp trước khi chuyển; chuyển bằng xe cấp cứu có nhân viên y tế đi kèm; "
        "mang theo phiếu khám thai và kết quả protein niệu.",
    )
    await actions.conclude(ctx, viewer, body)

    clock.set(working_day(now, -2, time(10, 0)))
    ctx, viewer = await cast.open_as("yt.chanson", clock, request)
    return await actions.close(
        ctx,
        viewer,
        "Đã cho uống nifedipin 10 mg tại trạm và chuyển sản phụ lên Bệnh viện Đa khoa tỉnh bằng xe "
        "cấp cứu trong vòng một giờ sau hội chẩn.",
        "Sản phụ nhập Khoa Sản, huyết áp ổn định sau điều trị, đang được dưỡng thai và theo dõi.",
    )
