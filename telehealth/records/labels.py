"""Vietnamese wording of the signed documents, shared by the PDF and the FHIR narrative.

The document's own language is Vietnamese (the legal record); pages translate their
chrome through the catalogs, but the document text itself is always this.
"""

from __future__ import annotations

DISPOSITIONS = {
    "manage_at_station": "Tiếp tục điều trị tại cơ sở đề nghị",
    "transfer": "Chuyển tuyến",
    "follow_up": "Hẹn tái khám, theo dõi",
}
ROLES = {
    "chair": "Chủ trì",
    "consultant": "Thành viên (cơ sở tư vấn)",
    "invitee": "Thành viên được mời",
    "requester": "Cơ sở đề nghị",
    "member": "Thành viên",
}
SEXES = {"male": "Nam", "female": "Nữ", "other": "Khác"}
ACTIVITIES = {
    "remote_advice": "Tư vấn khám bệnh, chữa bệnh từ xa",
    "remote_consultation": "Hội chẩn khám bệnh, chữa bệnh từ xa",
    "remote_imaging": "Hội chẩn chẩn đoán hình ảnh từ xa",
    "remote_pathology": "Hội chẩn giải phẫu bệnh từ xa",
    "remote_surgery": "Hội chẩn phẫu thuật từ xa",
    "remote_training": "Đào tạo, chuyển giao kỹ thuật từ xa",
}
SECTIONS = {
    "participants": "Thành phần tham dự",
    "period": "Thời gian",
    "patient": "Người bệnh",
    "case_summary": "Tóm tắt bệnh án",
    "questions": "Kết luận cho từng câu hỏi",
    "diagnoses": "Chẩn đoán (ICD-10)",
    "conclusion": "Kết luận",
    "recommendations": "Hướng điều trị, khuyến nghị",
    "disposition": "Hướng xử trí",
    "opinions": "Ý kiến của thành viên hội chẩn",
    "chat_excerpts": "Trích đoạn trao đổi trong phiên",
    "findings": "Triệu chứng, kết quả khám",
    "advice": "Lời dặn, hướng điều trị",
    "remote_care": "Danh mục bệnh khám chữa bệnh từ xa (Thông tư 30/2023/TT-BYT)",
    "signature": "Chữ ký số",
}
REMOTE_CARE_NOTE = (
    "Không tìm thấy trong danh mục chúng tôi đang có; "
    "cần đối chiếu Thông tư 30/2023/TT-BYT: {codes}"
)
