"""The consent terms patients agree to, versioned in code so every Consent row names its text.

Changing a text means a new `TERMS_VERSION`: consents already given keep the version they
were given for, and the consents page invites the patient to review the new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from telehealth.models import ConsentKind

TERMS_VERSION = "2026-11"


@dataclass(frozen=True)
class ConsentTerms:
    kind: ConsentKind
    version: str
    title: dict[str, str]
    text: dict[str, str]

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["vi"]

    def text_in(self, lang: str) -> str:
        return self.text.get(lang) or self.text["vi"]


TERMS: dict[ConsentKind, ConsentTerms] = {
    ConsentKind.telemedicine: ConsentTerms(
        kind=ConsentKind.telemedicine,
        version=TERMS_VERSION,
        title={
            "vi": "Đồng ý khám, chữa bệnh từ xa",
            "en": "Consent to remote care (telemedicine)",
        },
        text={
            "vi": (
                "Tôi đồng ý được khám, tư vấn và theo dõi sức khỏe qua video hoặc điện thoại với "
                "người hành nghề của cơ sở khám bệnh, chữa bệnh. Tôi hiểu rằng khám từ xa có giới "
                "hạn so với khám trực tiếp: bác sĩ có thể đề nghị tôi đến cơ sở y tế khi cần thăm "
                "khám, xét nghiệm hoặc cấp cứu. Tôi cam kết cung cấp thông tin trung thực và tham "
                "gia buổi khám ở nơi riêng tư. Tôi có thể rút lại sự đồng ý bất cứ lúc nào; việc "
                "rút lại không ảnh hưởng đến các buổi khám trực tiếp."
            ),
            "en": (
                "I agree to be examined, advised and followed up by video or telephone by "
                "practitioners of the health facility. I understand that remote care has limits "
                "compared with an in-person visit: the doctor may ask me to come to the facility "
                "for an examination, tests or emergency care. I will give truthful information "
                "and join the visit from a private place. I can withdraw this consent at any "
                "time; withdrawing it does not affect in-person visits."
            ),
        },
    ),
    ConsentKind.data_processing: ConsentTerms(
        kind=ConsentKind.data_processing,
        version=TERMS_VERSION,
        title={
            "vi": "Đồng ý xử lý dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP)",
            "en": "Consent to processing of personal data (Decree 13/2023/ND-CP)",
        },
        text={
            "vi": (
                "Tôi đồng ý để VTelehealth và các cơ sở y tế nơi tôi đặt lịch xử lý dữ liệu cá "
                "nhân của tôi, bao gồm dữ liệu sức khỏe là dữ liệu cá nhân nhạy cảm, nhằm mục đích "
                "đặt lịch, khám chữa bệnh, nhắc lịch và lưu hồ sơ theo quy định. Dữ liệu chỉ được "
                "người có thẩm quyền truy cập và mọi lần truy cập đều được ghi nhật ký. Tôi có "
                "quyền xem, yêu cầu chỉnh sửa và rút lại sự đồng ý; hồ sơ bệnh án đã lập vẫn được "
                "lưu giữ theo quy định của pháp luật."
            ),
            "en": (
                "I agree that VTelehealth and the health facilities where I book may process my "
                "personal data, including health data, which is sensitive personal data, to book "
                "visits, provide care, send reminders and keep records as the law requires. Only "
                "authorised people may access the data and every access is logged. I may view "
                "it, ask for corrections and withdraw this consent; medical records already made "
                "are kept as the law requires."
            ),
        },
    ),
}

REQUIRED_AT_REGISTRATION: tuple[ConsentKind, ...] = (
    ConsentKind.telemedicine,
    ConsentKind.data_processing,
)
