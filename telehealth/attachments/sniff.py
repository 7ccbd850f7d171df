"""What a file really is, judged from its first bytes: the client's name and type are ignored.

Only the formats a consultation needs are accepted. Anything else (an executable renamed
"xray.jpg", an HTML page that a browser might run) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

# DICOM Part 10: a 128-byte preamble, then "DICM".
DICOM_OFFSET = 128
SNIFF_BYTES = DICOM_OFFSET + 4


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    # Browsers can show these themselves; DICOM needs a viewer, so it is downloaded.
    inline: bool


JPEG = FileType("image/jpeg", "jpg", True)
PNG = FileType("image/png", "png", True)
WEBP = FileType("image/webp", "webp", True)
PDF = FileType("application/pdf", "pdf", True)
DICOM = FileType("application/dicom", "dcm", False)

BY_CONTENT_TYPE = {t.content_type: t for t in (JPEG, PNG, WEBP, PDF, DICOM)}


def sniff(head: bytes) -> FileType | None:
    """The type of a file from its first SNIFF_BYTES bytes, or None when not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head[DICOM_OFFSET:DICOM_OFFSET + 4] == b"DICM":
        return DICOM
    return None
