"""The demo province (Tuyên Quang): facilities, referral network, staff, patients, schedules,
booked visits and remote consultations.

Realistic enough to click through every role, small enough to read. Loading is one
transaction and idempotent: if the provincial hospital exists, nothing is touched. It is
refused in production, where these well-known passwords would be a hole.
"""

# The data tables keep one record per line, which is wider than 100 columns but far easier to
# read and review than the wrapped form; the code below is formatted as usual.
# ruff: noqa: E501

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from telehealth.accounts.security import hash_password_async
from telehealth.bus import create_bus
from telehealth.clock import Clock, SystemClock
from telehealth.config import Settings
from telehealth.db import Database
from telehealth.demo_consultations import load_consultations
from telehealth.models import (
    Appointment,
    Consent,
    ConsentKind,
    Facility,
    FacilityLevel,
    FacilitySpecialty,
    Patient,
    Practitioner,
    PractitionerSpecialty,
    Province,
    ReferralLink,
    Role,
    ScheduleRule,
    Sex,
    Slot,
    SlotMode,
    Specialty,
    User,
    VisitMode,
)
from telehealth.patients.identifiers import validate_cccd, validate_health_insurance_number
from telehealth.scheduling.expand import local_today
from telehealth.scheduling.service import sync_practitioners

DEMO_PASSWORD = "demo1234"
TERMS_VERSION = "2026-01"
PROVINCE = ("08", "Tuyên Quang", "Tuyen Quang")
HOSPITAL = "08001"
B, V, P = SlotMode.both, SlotMode.video, SlotMode.in_person
Rule = tuple[int, str, str, int, SlotMode]  # weekday (Mon=0), start, end, slot minutes, mode

# The tables below are data: one row per line reads better than the formatter's layout.
# fmt: off
SPECIALTIES = [  # code, Vietnamese, English
    ("noi-tong-quat", "Nội tổng quát", "General internal medicine"),
    ("nhi", "Nhi", "Paediatrics"),
    ("san-phu-khoa", "Sản phụ khoa", "Obstetrics and gynaecology"),
    ("tim-mach", "Tim mạch", "Cardiology"),
    ("chan-doan-hinh-anh", "Chẩn đoán hình ảnh", "Diagnostic imaging"),
    ("da-lieu", "Da liễu", "Dermatology"),
    ("noi-tiet", "Nội tiết", "Endocrinology"),
    ("tam-than", "Tâm thần", "Psychiatry"),
    ("y-hoc-co-truyen", "Y học cổ truyền", "Traditional medicine"),
]
DISTRICT_OFFER = ["noi-tong-quat", "nhi", "san-phu-khoa", "y-hoc-co-truyen"]
# code, name, level, district centre above it (stations only), address, specialties offered
FACILITIES: list[tuple[str, str, FacilityLevel, str | None, str, list[str]]] = [
    ("08001", "Bệnh viện Đa khoa tỉnh Tuyên Quang", FacilityLevel.provincial, None,
     "Phường Minh Xuân, tỉnh Tuyên Quang", [s[0] for s in SPECIALTIES]),
    ("08010", "Trung tâm Y tế khu vực Yên Sơn", FacilityLevel.district, None,
     "Xã Trung Môn, tỉnh Tuyên Quang", DISTRICT_OFFER),
    ("08020", "Trung tâm Y tế khu vực Hàm Yên", FacilityLevel.district, None,
     "Thị trấn Tân Yên, tỉnh Tuyên Quang", DISTRICT_OFFER[:3]),
    ("08011", "Trạm Y tế xã Thái Bình", FacilityLevel.commune, "08010", "Xã Thái Bình", ["noi-tong-quat"]),
    ("08012", "Trạm Y tế xã Lang Quán", FacilityLevel.commune, "08010", "Xã Lang Quán", ["noi-tong-quat"]),
    ("08013", "Trạm Y tế xã Chân Sơn", FacilityLevel.commune, "08010", "Xã Chân Sơn", ["noi-tong-quat"]),
    ("08014", "Trạm Y tế xã Kim Quan", FacilityLevel.commune, "08010", "Xã Kim Quan", ["noi-tong-quat"]),
    ("08021", "Trạm Y tế xã Thái Sơn", FacilityLevel.commune, "08020", "Xã Thái Sơn", ["noi-tong-quat"]),
    ("08022", "Trạm Y tế xã Bình Xa", FacilityLevel.commune, "08020", "Xã Bình Xa", ["noi-tong-quat"]),
    ("08023", "Trạm Y tế xã Yên Phú", FacilityLevel.commune, "08020", "Xã Yên Phú", ["noi-tong-quat"]),
    ("08024", "Trạm Y tế xã Minh Hương", FacilityLevel.commune, "08020", "Xã Minh Hương", ["noi-tong-quat"]),
]
# username, name, title, facility, CCHN number, specialties, weekly rules
CLINICIANS: list[tuple[str, str, str, str, str, list[str], list[Rule]]] = [
    ("bs.hung", "Nguyễn Văn Hùng", "BSCKII", "08001", "000112/TQ-CCHN", ["tim-mach", "noi-tong-quat"],
     [(1, "07:30", "11:30", 20, P), (3, "07:30", "11:30", 20, P), (2, "14:00", "16:00", 20, V)]),
    ("bs.lan", "Trần Thị Lan", "ThS.BS", "08001", "000245/TQ-CCHN", ["nhi"],
     [(0, "07:30", "11:00", 15, B), (2, "07:30", "11:00", 15, B), (4, "07:30", "11:00", 15, B)]),
    ("bs.tuan", "Lê Minh Tuấn", "BSCKI", "08001", "000318/TQ-CCHN", ["noi-tiet"],
     [(1, "13:30", "16:30", 20, V), (4, "13:30", "16:30", 20, V)]),
    ("bs.huong", "Phạm Thu Hương", "BSCKI", "08001", "000407/TQ-CCHN", ["san-phu-khoa"],
     [(0, "07:30", "11:30", 20, P), (3, "07:30", "11:30", 20, P)]),
    ("bs.anh", "Hoàng Đức Anh", "ThS.BS", "08001", "000533/TQ-CCHN", ["chan-doan-hinh-anh"],
     [(2, "08:00", "11:00", 30, V), (4, "08:00", "11:00", 30, V)]),
    ("bs.mai", "Vũ Thị Mai", "BS", "08001", "000619/TQ-CCHN", ["da-lieu"], [(5, "07:30", "11:30", 20, B)]),
    ("bs.bao", "Đặng Quốc Bảo", "BSCKII", "08001", "000702/TQ-CCHN", ["tam-than"], [(3, "14:00", "17:00", 30, V)]),
    ("bs.thu", "Ngô Thị Thu", "BS", "08010", "001105/TQ-CCHN", ["noi-tong-quat"],
     [(0, "07:30", "11:30", 20, P), (2, "07:30", "11:30", 20, B)]),
    ("bs.son", "Lý Văn Sơn", "BSCKI", "08020", "001203/TQ-CCHN", ["nhi", "noi-tong-quat"],
     [(1, "07:30", "11:30", 20, B), (3, "13:30", "16:30", 20, V)]),
    # Station staff (nhân viên trạm y tế): they start consultations, patients do not book them.
    ("yt.thaibinh", "Nông Thị Hà", "YS", "08011", "002011/TQ-CCHN", ["noi-tong-quat"], []),
    ("yt.langquan", "Hà Văn Toàn", "BS", "08012", "002012/TQ-CCHN", ["noi-tong-quat"], []),
    ("yt.chanson", "Triệu Thị Liên", "YS", "08013", "002013/TQ-CCHN", ["noi-tong-quat"], []),
    ("yt.kimquan", "Bàn Văn Lực", "YS", "08014", "002014/TQ-CCHN", ["noi-tong-quat"], []),
    ("yt.thaison", "Ma Thị Hằng", "ĐD", "08021", "002021/TQ-CCHN", ["noi-tong-quat"], []),
    ("yt.binhxa", "Hoàng Văn Quý", "BS", "08022", "002022/TQ-CCHN", ["noi-tong-quat"], []),
    ("yt.yenphu", "Lục Thị Nhung", "YS", "08023", "002023/TQ-CCHN", ["noi-tong-quat"], []),
    ("yt.minhhuong", "Chu Văn Thắng", "YS", "08024", "002024/TQ-CCHN", ["noi-tong-quat"], []),
]
# phone (= username) or None, name, date of birth, sex, CCCD, BHYT, registering station
PATIENTS: list[tuple[str | None, str, date, Sex, str, str | None, str | None]] = [
    ("0912300001", "Nguyễn Văn Bình", date(1958, 3, 12), Sex.male, "008058012345", "HT2080800123456", None),
    ("0912300002", "Hoàng Thị Hoa", date(1990, 7, 21), Sex.female, "008190004567", "GD4080800234567", None),
    ("0912300003", "Triệu Văn Dũng", date(1975, 11, 2), Sex.male, "008075009876", None, "08013"),
    ("0912300004", "Ma Thị Lan", date(1968, 5, 30), Sex.female, "008168003210", "HT3080800345678", None),
    ("0912300005", "Lục Thị Nga", date(2001, 1, 15), Sex.female, "008301002468", None, None),
    (None, "Phạm Minh Khôi", date(2015, 9, 9), Sex.male, "008215006543", "TE1080800456789", "08011"),
]
# practitioner, n-th slot, mode, specialty, patient index, reason
APPOINTMENTS = [
    ("bs.hung", 0, VisitMode.in_person, "tim-mach", 0, "Tái khám tăng huyết áp, hồi hộp khi gắng sức"),
    ("bs.hung", 3, VisitMode.in_person, "tim-mach", 3, "Đau ngực trái, khó thở về đêm"),
    ("bs.lan", 1, VisitMode.video, "nhi", 5, "Trẻ sốt 2 ngày, ho, chảy mũi"),
    ("bs.tuan", 0, VisitMode.video, "noi-tiet", 1, "Theo dõi đái tháo đường típ 2, xem kết quả HbA1c"),
]
# fmt: on


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    who: str


LOGINS = [
    DemoLogin("system_admin", "quantri", "Quản trị hệ thống"),
    DemoLogin("regulator", "byt.giamsat", "Bộ Y tế (toàn quốc)"),
    DemoLogin("regulator", "syt.tuyenquang", "Sở Y tế Tuyên Quang (tỉnh 08)"),
    DemoLogin("facility_admin", "qt.bvdk", "Quản trị, Bệnh viện Đa khoa tỉnh Tuyên Quang"),
    DemoLogin("facility_admin", "qt.yenson", "Quản trị, Trung tâm Y tế khu vực Yên Sơn"),
    DemoLogin("clinician", "bs.hung", "BSCKII Nguyễn Văn Hùng, Tim mạch, BVĐK tỉnh"),
    DemoLogin("clinician", "bs.lan", "ThS.BS Trần Thị Lan, Nhi, BVĐK tỉnh"),
    DemoLogin("clinician", "bs.thu", "BS Ngô Thị Thu, Nội tổng quát, TTYT khu vực Yên Sơn"),
    DemoLogin("clinician", "yt.thaibinh", "YS Nông Thị Hà, Trạm Y tế xã Thái Bình"),
    DemoLogin("patient", "0912300001", "Nguyễn Văn Bình (CCCD 008058012345)"),
    DemoLogin("patient", "0912300002", "Hoàng Thị Hoa (CCCD 008190004567)"),
]


def logins_table() -> str:
    """The demo logins as a Markdown table (printed by `telehealth demo`, copied into docs)."""
    rows = ["| Role | Username | Password | Who |", "|---|---|---|---|"]
    rows += [f"| {x.role} | `{x.username}` | `{DEMO_PASSWORD}` | {x.who} |" for x in LOGINS]
    return "\n".join(rows)


def print_logins() -> None:
    print(f"\nDemo logins (the password of every demo account is {DEMO_PASSWORD}):\n")
    print(logins_table())
    print(
        "\nMore: clinicians bs.tuan, bs.huong, bs.anh, bs.mai, bs.bao, bs.son and the station "
        "staff yt.<xã> (e.g. yt.binhxa); patients 0912300003, 0912300004, 0912300005."
    )


async def load_demo(settings: Settings, *, clock: Clock | None = None) -> bool:
    """Load the demo province; True if created, False if it was already there."""
    if settings.environment == "production":
        raise RuntimeError("the demo data (with well-known passwords) is refused in production")
    now = (clock or SystemClock()).now()
    db = Database(settings)
    # The consultations' notifications and queue messages go out after the commit, as in the app.
    bus = create_bus(settings)
    created = False
    try:
        # No early return inside the loop: the transaction generator must run to its end
        # so the connection goes back to the pool before the engine is disposed.
        async for session in db.transaction():
            stmt = select(col(Facility.id)).where(col(Facility.code) == HOSPITAL)
            if (await session.execute(stmt)).first() is None:
                password_hash = await hash_password_async(DEMO_PASSWORD)
                await _Loader(session, now, password_hash).load(settings, bus)
                created = True
    finally:
        await bus.close()
        await db.dispose()
    return created


class _Loader:
    """One demo load: the session, one instant for every timestamp, one password hash."""

    def __init__(self, session: AsyncSession, now: datetime, password_hash: str) -> None:
        self.session, self.now, self.password_hash = session, now, password_hash
        self.facilities: dict[str, Facility] = {}
        self.specialties: dict[str, uuid.UUID] = {}
        self.practitioners: dict[str, Practitioner] = {}
        self.patients: list[Patient] = []

    async def load(self, settings: Settings, bus: Any) -> None:
        code, name, name_en = PROVINCE
        if await self.session.get(Province, code) is None:
            self.session.add(Province(code=code, name=name, name_en=name_en))
        for scode, vi, en in SPECIALTIES:
            self.specialties[scode] = await self._specialty(scode, vi, en)
        await self._facilities()
        self._user("quantri", "Quản trị hệ thống", Role.system_admin)
        self._user("byt.giamsat", "Cục Quản lý Khám, chữa bệnh", Role.regulator)
        self._user("syt.tuyenquang", "Sở Y tế Tuyên Quang", Role.regulator, jurisdiction=code)
        self._user("qt.bvdk", "Phòng Kế hoạch tổng hợp BVĐK tỉnh", Role.facility_admin, HOSPITAL)
        self._user("qt.yenson", "Phòng Kế hoạch TTYT khu vực Yên Sơn", Role.facility_admin, "08010")
        await self._clinicians()
        await self._patients()
        ids = [p.id for p in self.practitioners.values()]
        await sync_practitioners(
            self.session, ids, now=self.now, horizon_days=settings.slot_horizon_days
        )
        await self._appointments()
        await load_consultations(self.session, settings, bus, self.now)

    async def _specialty(self, code: str, vi: str, en: str) -> uuid.UUID:
        stmt = select(Specialty).where(col(Specialty.code) == code)
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        if found is None:
            found = Specialty(code=code, name_vi=vi, name_en=en)
            self.session.add(found)
            await self.session.flush()
        return found.id

    async def _facilities(self) -> None:
        for fcode, name, level, _parent, address, _offered in FACILITIES:
            facility = Facility(
                code=fcode,
                name=name,
                level=level,
                province_code=PROVINCE[0],
                address=address,
                created_at=self.now,
            )
            self.session.add(facility)
            self.facilities[fcode] = facility
        await self.session.flush()
        hospital = self.facilities[HOSPITAL].id
        for fcode, _name, level, parent, _address, offered in FACILITIES:
            here = self.facilities[fcode].id
            for scode in offered:
                self.session.add(
                    FacilitySpecialty(facility_id=here, specialty_id=self.specialties[scode])
                )
            if parent:  # a station refers to its district centre first, the hospital second
                self.session.add(
                    ReferralLink(
                        from_facility_id=here, to_facility_id=self.facilities[parent].id, rank=1
                    )
                )
                self.session.add(
                    ReferralLink(from_facility_id=here, to_facility_id=hospital, rank=2)
                )
            elif level == FacilityLevel.district:
                self.session.add(
                    ReferralLink(from_facility_id=here, to_facility_id=hospital, rank=1)
                )

    def _user(
        self,
        username: str,
        full_name: str,
        role: Role,
        facility: str | None = None,
        jurisdiction: str | None = None,
        phone: str | None = None,
    ) -> User:
        user = User(
            username=username,
            full_name=full_name,
            password_hash=self.password_hash,
            role=role,
            facility_id=self.facilities[facility].id if facility else None,
            jurisdiction_province_code=jurisdiction,
            phone=phone,
            created_at=self.now,
        )
        self.session.add(user)
        return user

    def _scope(self, scodes: list[str]) -> str:
        names = [vi for code, vi, _en in SPECIALTIES if code in scodes]
        return "Khám bệnh, chữa bệnh chuyên khoa " + ", ".join(names)

    async def _clinicians(self) -> None:
        for username, full_name, title, fcode, cchn, scodes, rules in CLINICIANS:
            user = self._user(username, full_name, Role.clinician, fcode)
            await self.session.flush()
            practitioner = Practitioner(
                user_id=user.id,
                facility_id=self.facilities[fcode].id,
                practice_certificate_number=cchn,
                title=title,
                practice_scope=self._scope(scodes),
                accepts_online_booking=bool(rules),
                created_at=self.now,
            )
            self.session.add(practitioner)
            await self.session.flush()
            self.practitioners[username] = practitioner
            for scode in scodes:
                self.session.add(
                    PractitionerSpecialty(
                        practitioner_id=practitioner.id, specialty_id=self.specialties[scode]
                    )
                )
            for weekday, start, end, minutes, mode in rules:
                self.session.add(
                    ScheduleRule(
                        practitioner_id=practitioner.id,
                        weekday=weekday,
                        start_time=time.fromisoformat(start),
                        end_time=time.fromisoformat(end),
                        slot_minutes=minutes,
                        mode=mode,
                        valid_from=local_today(self.now),
                        created_at=self.now,
                    )
                )

    def _station_staff(self, station: str) -> uuid.UUID:
        username = next(c[0] for c in CLINICIANS if c[3] == station)
        return self.practitioners[username].user_id

    async def _patients(self) -> None:
        for phone, name, born, sex, cccd, bhyt, station in PATIENTS:
            # The demo must model valid data: an invalid CCCD here is a bug in this file.
            validate_cccd(cccd, date_of_birth=born, sex=sex.value)
            if bhyt:
                validate_health_insurance_number(bhyt)
            account = self._user(phone, name, Role.patient, phone=phone) if phone else None
            await self.session.flush()
            patient = Patient(
                user_id=account.id if account else None,
                national_id=cccd,
                health_insurance_number=bhyt,
                full_name=name,
                date_of_birth=born,
                sex=sex,
                phone=phone,
                province_code=PROVINCE[0],
                address="Tỉnh Tuyên Quang",
                created_at=self.now,
                registered_by_facility_id=self.facilities[station].id if station else None,
            )
            self.session.add(patient)
            await self.session.flush()
            # Registered at a station: consent given in person, recorded by the station's staff.
            recorder = self._station_staff(station) if station else None
            for kind in (ConsentKind.telemedicine, ConsentKind.data_processing):
                self.session.add(
                    Consent(
                        patient_id=patient.id,
                        kind=kind,
                        terms_version=TERMS_VERSION,
                        method="in_person" if station else "online",
                        recorded_by_user_id=recorder,
                        granted_at=self.now,
                    )
                )
            self.patients.append(patient)

    async def _appointments(self) -> None:
        """A few booked visits, so the first agendas a visitor opens are not empty."""
        for username, nth, mode, scode, patient_index, reason in APPOINTMENTS:
            practitioner = self.practitioners[username]
            stmt = (
                select(Slot)
                .where(
                    col(Slot.practitioner_id) == practitioner.id,
                    col(Slot.mode).in_([mode.value, SlotMode.both.value]),  # a usable slot
                )
                .order_by(col(Slot.start_at))
                .offset(nth)
                .limit(1)
            )
            slot = (await self.session.execute(stmt)).scalar_one()
            patient = self.patients[patient_index]
            # A patient without an account was booked for by the staff of the station.
            booked_by = patient.user_id or self._station_staff(str(patient_station(patient_index)))
            self.session.add(
                Appointment(
                    slot_id=slot.id,
                    patient_id=patient.id,
                    practitioner_id=practitioner.id,
                    facility_id=practitioner.facility_id,
                    specialty_id=self.specialties[scode],
                    mode=mode,
                    start_at=slot.start_at,
                    end_at=slot.end_at,
                    reason=reason,
                    booked_by_user_id=booked_by,
                    created_at=self.now,
                )
            )


def patient_station(index: int) -> str | None:
    return PATIENTS[index][6]
