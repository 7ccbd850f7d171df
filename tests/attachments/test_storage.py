"""Type sniffing, file-name sanitising, spooling limits and the row/file consistency."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from telehealth.attachments.service import sanitize_file_name
from telehealth.attachments.sniff import DICOM, JPEG, PDF, PNG, WEBP, sniff
from telehealth.attachments.spool import spool
from telehealth.attachments.storage import LocalDiskStorage, check_key
from telehealth.errors import PayloadTooLarge, UnsupportedMediaType

JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
SAMPLES = {
    "jpeg": (JPEG_BYTES, JPEG),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(200), PNG),
    "webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(200), WEBP),
    "pdf": (b"%PDF-1.7\n" + bytes(200), PDF),
    "dicom": (bytes(128) + b"DICM" + bytes(200), DICOM),
    "tiny_png": (b"\x89PNG\r\n\x1a\n" + bytes(8), PNG),
}
REFUSED = {
    "windows_exe": b"MZ\x90\x00" + bytes(300),
    "elf": b"\x7fELF\x02\x01\x01" + bytes(300),
    "html": b"<!doctype html><script>alert(1)</script>" + bytes(200),
    "zip": b"PK\x03\x04" + bytes(300),
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"></svg>' + bytes(200),
    "riff_wave": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(200),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_accepted_formats_are_recognised_from_their_bytes(name: str) -> None:
    data, expected = SAMPLES[name]
    assert sniff(data[:132]) is expected


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_other_formats_are_refused(name: str) -> None:
    assert sniff(REFUSED[name][:132]) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\bs\\Ảnh phổi.JPG", "Ảnh phổi.jpg"),
        ("xray.exe", "xray.jpg"),  # the sniffed type decides the extension
        ('a"b<c>\x00d;.jpg', "a_b_c_d.jpg"),
        ("", "tep-dinh-kem.jpg"),
        (None, "tep-dinh-kem.jpg"),
        ("x" * 300 + ".jpg", "x" * 100 + ".jpg"),
    ],
)
def test_file_names_are_sanitised(raw: str | None, expected: str) -> None:
    assert sanitize_file_name(raw, JPEG) == expected


def test_storage_keys_cannot_walk_out_of_the_directory(tmp_path: Path) -> None:
    storage = LocalDiskStorage(tmp_path)
    for bad in ("../../etc/passwd", "a/b", "", "x" * 32 + "/"):
        with pytest.raises(ValueError):
            storage.path_for(bad)
    assert check_key("A" * 32) == "A" * 32


async def test_too_large_upload_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalDiskStorage(tmp_path)
    with pytest.raises(PayloadTooLarge):
        await spool(Reader(JPEG_BYTES + bytes(2000)), storage.spool_dir, max_bytes=1000)
    assert files_in(tmp_path) == []


async def test_renamed_executable_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalDiskStorage(tmp_path)
    with pytest.raises(UnsupportedMediaType):
        await spool(Reader(REFUSED["windows_exe"]), storage.spool_dir, max_bytes=10_000)
    assert files_in(tmp_path) == []


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


class Reader:
    """An upload that arrives in small pieces, as a slow network would deliver it."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)

    async def read(self, size: int = -1) -> bytes:
        return self._buffer.read(min(size, 50) if size > 0 else 50)
