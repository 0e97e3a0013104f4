"""Evidence photos (要有图片印证进展): `attach` stores pictures beside the unit's ledger, `detach` takes one out on the record.

A picture is decoded only after its header has shown a known image format
within the pixel bound (a decompression bomb is refused, not decoded), then
turned upright, scaled to at most MAX_SIDE pixels, and re-encoded as a JPEG
built from the pixels alone: no GPS, camera, owner or XMP data survives; the
date it was taken is kept, in the record and as the JPEG's only EXIF tag.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.store import tree as t
from shishi.store.ledger import Ledger
from shishi.store.model import STAGES, Attachment, Item, item_to_data
from shishi.store.yamlio import atomic_write, remove_file
from shishi.values import parse_date
from shishi.write.files import checked, locate, replace_block, tree_units, validate_item, write_ledger
from shishi.write.lock import write_lock

MAX_SIDE = 1600  # longest side of a stored picture, in pixels
MAX_PIXELS = 64_000_000  # 64 megapixels: more than any phone camera; beyond it a picture is refused unread
MAX_BYTES = 50 * 1024 * 1024  # a picture file bigger than this is not read at all
FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF", "MPO")  # what Pillow reads that cameras and phones write
QUALITY = 85
STAGE_ALIASES = {"before": "改造前", "during": "过程", "after": "改造后", **{s: s for s in STAGES}}
EXIF_IFD, DATETIME_ORIGINAL, DATETIME = 0x8769, 0x9003, 0x0132


@dataclass
class Picture:
    """A picture made ready for the tree: JPEG bytes, their hash, the date it was taken (if known)."""

    data: bytes
    sha256: str
    taken: datetime | None
    size: tuple[int, int]


def parse_stage(stage: str | None) -> str | None:
    if stage is None:
        return None
    s = STAGE_ALIASES.get(stage.strip().lower() if stage.isascii() else stage.strip())
    if s is None:
        raise ShishiError(tr(f"阶段应为 {'|'.join(STAGES)} 之一：{stage}", f"stage must be one of {'|'.join(STAGES)} (or before|during|after): {stage}"))
    return s


def prepare(raw: bytes, name: str) -> Picture:
    """The stored form of a picture file's bytes; ShishiError for what is not a picture, or too big to be one."""
    import warnings

    with warnings.catch_warnings():  # Pillow's English warnings (corrupt EXIF …): the pixels decide, and the bound is checked here
        warnings.simplefilter("ignore")
        return _prepare(raw, name)


def _prepare(raw: bytes, name: str) -> Picture:
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(raw) > MAX_BYTES:
        raise ShishiError(tr(f"{name} 超过 {MAX_BYTES // 1024 // 1024} MB，不予读取", f"{name} is over {MAX_BYTES // 1024 // 1024} MB; not read"))
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, for the decoders that check it
    not_image = tr(f"{name} 不是图片（只收 JPEG、PNG、WebP、TIFF、BMP、GIF 照片）", f"{name} is not a picture (JPEG, PNG, WebP, TIFF, BMP or GIF)")
    try:
        img = Image.open(io.BytesIO(raw))  # reads the header only
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as e:
        if isinstance(e, Image.DecompressionBombError):
            raise ShishiError(tr(f"{name} 像素过多，不予解码", f"{name} has too many pixels; not decoded")) from None
        raise ShishiError(not_image) from None
    if img.format not in FORMATS:
        raise ShishiError(not_image)
    w, h = img.size
    if w < 1 or h < 1 or w * h > MAX_PIXELS:
        raise ShishiError(tr(f"{name} 有 {w}×{h} 像素，超过上限 {MAX_PIXELS // 1_000_000} 百万像素，不予解码", f"{name} is {w}×{h} pixels, over the bound of {MAX_PIXELS // 1_000_000} megapixels; not decoded"))
    try:
        taken = exif_date(img)
        if img.format in ("JPEG", "MPO"):
            img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: far less memory and time
        img = ImageOps.exif_transpose(img)  # upright: the orientation tag goes with the rest
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            img = flat
        else:
            img = img.convert("RGB")
        clean = Image.frombytes("RGB", img.size, img.tobytes())  # pixels only: no metadata can ride along
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ShishiError(tr(f"{name} 图片数据损坏，无法读取", f"{name}: the picture data is damaged")) from None
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    buf = io.BytesIO()
    clean.save(buf, "JPEG", quality=QUALITY, optimize=True, exif=exif)
    data = buf.getvalue()
    return Picture(data, hashlib.sha256(data).hexdigest(), taken, clean.size)


def exif_date(img) -> datetime | None:
    """When the picture was taken: EXIF DateTimeOriginal, else DateTime; None when absent or unreadable."""
    try:
        exif = img.getexif()
        raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    except Exception:  # noqa: BLE001 - a damaged EXIF block only loses the date
        return None
    if not isinstance(raw, str):
        return None
    try:
        return datetime.strptime(raw.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        try:
            return datetime.strptime(raw.strip()[:10], "%Y:%m:%d")
        except ValueError:
            return None


def stored_name(item_id: str, sha256: str) -> str:
    """Where a picture goes, relative to its unit's directory; named by content, so two clerks' pictures never collide."""
    return f"{t.ATTACH_DIR}/{item_id}/{sha256[:16]}.jpg"


def attach(
    root: Path,
    item_id: str,
    files: Iterable[Path],
    *,
    caption: str | None = None,
    stage: str | None = None,
    when: str | date | None = None,
    today: date | None = None,
) -> tuple[Item, list[Attachment]]:
    """Store pictures for an item and record them; all or nothing (one bad file refuses the lot)."""
    files = [Path(f) for f in files]
    if not files:
        raise ShishiError(tr("没有给出图片文件", "no picture files given"))
    st = parse_stage(stage)
    given = parse_date(when, "--date")
    added = today or date.today()
    pictures = []
    for f in files:
        try:
            raw = t.read_bytes(f)  # no pipes or devices; at most 64 MB read
        except OSError as e:
            raise ShishiError(tr(f"无法读取 {f}：{e.strerror or e}", f"cannot read {f}: {e.strerror or e}")) from None
        pictures.append((f, prepare(raw, str(f))))
    with write_lock(root):
        ledger = tree_units(root)
        loc = locate(ledger, item_id)
        item = loc.item.model_copy(deep=True)
        have = {a.sha256 for a in item.attachments if a.removed is None}
        new = []
        for f, pic in pictures:
            if pic.sha256 in have:
                raise ShishiError(tr(f"{f} 已是 {item.id} 的附件", f"{f} is already attached to {item.id}"))
            have.add(pic.sha256)
            with checked():
                new.append(Attachment(file=stored_name(item.id, pic.sha256), sha256=pic.sha256, caption=caption, stage=st, date=given or (pic.taken.date() if pic.taken else None), added=added))
        item.attachments += new
        item = validate_item(item_to_data(item))
        unit_dir = ledger.units[loc.unit].dir
        # the pictures first: a crash before the ledger is written leaves a stray file, never a record without its picture
        for (_f, pic), a in zip(pictures, new, strict=True):
            atomic_write(unit_dir / a.file, pic.data)
        write_ledger(root, loc.path, replace_block(loc, item), loc.bom)
    return item, new


def detach(root: Path, item_id: str, number: int, *, reason: str | None = None, when: str | date | None = None, today: date | None = None) -> tuple[Item, Attachment]:
    """Take attachment `number` (1-based, as `show` lists them) off an item: its file is deleted, the record says when and why."""
    d = parse_date(when, "--date") or today or date.today()
    with write_lock(root):
        ledger = tree_units(root)
        loc = locate(ledger, item_id)
        item = loc.item.model_copy(deep=True)
        if not 1 <= number <= len(item.attachments):
            raise ShishiError(tr(f"{item.id} 没有第 {number} 个附件（共 {len(item.attachments)} 个）", f"{item.id} has no attachment {number} (it has {len(item.attachments)})"))
        a = item.attachments[number - 1]
        if a.removed is not None:
            raise ShishiError(tr(f"{item.id} 的第 {number} 个附件已于 {a.removed} 删除", f"attachment {number} of {item.id} was already detached on {a.removed}"))
        a.removed, a.reason = d, reason
        item = validate_item(item_to_data(item))
        path = attachment_file(ledger, loc.unit, a)
        write_ledger(root, loc.path, replace_block(loc, item), loc.bom)
        if path is not None and sum(x.file == a.file and x.removed is None for x in item.attachments) == 0:
            remove_file(path)
    return item, item.attachments[number - 1]


def attachment_file(ledger: Ledger, unit: str, a: Attachment) -> Path | None:
    return t.attachment_path(ledger.root, ledger.units[unit].dir, a.file)


