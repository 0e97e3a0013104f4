"""Evidence photos as the reports show them: the picture's bytes (read as check reads them), its caption line."""

from __future__ import annotations

from shishi.figures.report import Photo, cn_date
from shishi.i18n import tr


def photo_bytes(photo: Photo) -> bytes | None:
    """A photo's file, as check knows it (no links, no pipes); None when it cannot be read."""
    from shishi.store.tree import read_bytes

    if photo.path is None:
        return None
    try:
        return read_bytes(photo.path)
    except OSError:
        return None


def photo_caption(photo: Photo) -> str:
    """▲改造前：通惠场老街道路（2021年3月1日）."""
    stage = f"{photo.stage}{tr('：', ': ')}" if photo.stage else ""
    when = (tr(f"（{cn_date(photo.date)}）", f" ({photo.date.isoformat()})")) if photo.date else ""
    return f"▲{stage}{photo.caption}{when}"


def missing_photo(photo: Photo) -> str:
    return tr(f"照片文件缺失或无法读取：{photo.file}（shishi check 可查）", f"photo missing or unreadable: {photo.file} (see shishi check)")
