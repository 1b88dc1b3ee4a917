"""Files people upload (report media, checklist evidence).

The type is read from the content, the size is limited, the file is kept under the instance folder."""
import secrets
from pathlib import Path

from flask import current_app

from services.errors import Invalid

# What a file's first bytes must be for each type we keep; the name and the declared type are not trusted.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
MEGABYTE = 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
DOCUMENT_TYPES = (*IMAGE_TYPES, "application/pdf")


def _folder(name: str) -> Path:
    folder = Path(current_app.instance_path) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sniffed_type(data: bytes, allowed: tuple[str, ...]) -> str:
    """The allowed type the content is (422 for anything else)."""
    for content_type in allowed:
        if any(data.startswith(signature) for signature in SIGNATURES[content_type]):
            return content_type
    raise Invalid("文件类型不支持（仅限 JPEG、PNG 图片或 PDF 文档）", code="file_type_refused",
                  fields={"file": ["文件类型不支持"]})


def store(folder: str, data: bytes, allowed: tuple[str, ...]) -> tuple[str, str, int]:
    """Keep an upload under a random name: (stored name, content type, size)."""
    limit = current_app.config["EVALUATION_MEDIA_MAX_BYTES"]
    if len(data) > limit:
        raise Invalid(f"文件过大（不超过 {_size_text(limit)}）", code="file_too_large", fields={"file": ["文件过大"]})
    if not data:
        raise Invalid("文件为空", code="file_empty", fields={"file": ["文件为空"]})
    content_type = sniffed_type(data, allowed)
    stored_name = secrets.token_hex(16)
    (_folder(folder) / stored_name).write_bytes(data)
    return stored_name, content_type, len(data)


def _size_text(size: int) -> str:
    """A limit as people read it: "10 MB", "1.5 MB", "512 KB" (a limit under 1 MB is not "0 MB")."""
    return f"{size / MEGABYTE:g} MB" if size >= MEGABYTE else f"{max(1, size // 1024)} KB"


def load(folder: str, stored_name: str) -> bytes:
    return (_folder(folder) / stored_name).read_bytes()


def remove(folder: str, stored_name: str) -> None:
    """Forget a file no row names any more (a replaced upload, or one whose row lost a race)."""
    (_folder(folder) / stored_name).unlink(missing_ok=True)
