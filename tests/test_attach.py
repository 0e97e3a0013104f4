"""Evidence photos: attach (scaled, GPS and camera data gone, date kept), detach on the record, check of every stored picture."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import snapshot
from shishi.checks.rules import check
from shishi.errors import ShishiError
from shishi.store.load import load
from shishi.write import attach as photos
from shishi.write import items

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
MAKE, MODEL, ARTIST, SOFTWARE = 0x010F, 0x0110, 0x013B, 0x0131


def camera_jpeg(path: Path, size=(4032, 3024), taken="2021:04:30 08:15:00", colour=(120, 160, 90)) -> Path:
    """A phone picture: GPS position, make and model, owner, XMP, the date it was taken."""
    img = Image.new("RGB", size, colour)
    for x in range(0, size[0], 97):  # some detail, so the JPEG is not trivially small
        img.paste((x % 255, 40, 200), (x, 0, x + 20, size[1]))
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[ARTIST], exif[SOFTWARE] = "HUAWEI", "P40 Pro", "张三", "EMUI"
    exif.get_ifd(EXIF_IFD)[0x9003] = taken
    exif.get_ifd(EXIF_IFD)[0xA431] = "SN123456789"  # BodySerialNumber
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (28.0, 57.0, 3.5), "E", (106.0, 39.0, 1.2)
    img.save(path, "JPEG", exif=exif, xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>28,57.05N</exif:GPSLatitude></x:xmpmeta>')
    return path


@pytest.fixture
def project(tree: Path) -> str:
    return items.add(tree, "赶水镇/三居社区", "老街道路改造", kind="project", opened="2021-03-01", due="2021-12-31").id


def test_attach_strips_gps_and_device_tags_keeps_the_date_and_scales(tree: Path, project: str, tmp_path: Path):
    src = camera_jpeg(tmp_path / "IMG_0001.jpg")
    assert Image.open(src).getexif().get_ifd(GPS_IFD)  # the test picture does carry a position
    item, new = photos.attach(tree, project, [src], caption="改造前的老街道路", stage="改造前", today=None)
    a = new[0]
    stored = tree / "赶水镇/三居社区" / a.file
    assert a.file.startswith("附件/GS-SJ-2021-001/") and stored.is_file()
    raw = stored.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == a.sha256
    img = Image.open(io.BytesIO(raw))
    assert img.format == "JPEG" and max(img.size) == 1600 and img.size == (1600, 1200)
    exif = img.getexif()
    assert exif.get_ifd(GPS_IFD) == {} and GPS_IFD not in exif
    assert not any(tag in exif for tag in (MAKE, MODEL, ARTIST, SOFTWARE))
    assert exif.get_ifd(EXIF_IFD) == {0x9003: "2021:04:30 08:15:00"}  # when it was taken, and nothing else
    assert "xmp" not in img.info and b"GPSLatitude" not in raw and b"HUAWEI" not in raw and b"SN123456789" not in raw
    assert a.date.isoformat() == "2021-04-30" and a.stage == "改造前" and a.caption == "改造前的老街道路"
    assert item.attachments == new
    ledger = load(tree)
    assert [p for p in check(ledger) if p.severity == "error"] == []
    assert not any("附件" in p.path for p in check(ledger))  # the photo directory is not taken for a unit


def test_small_pictures_are_not_enlarged_and_png_transparency_becomes_white(tree: Path, project: str, tmp_path: Path):
    src = tmp_path / "logo.png"
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(src)
    _, new = photos.attach(tree, project, [src], stage="after", when="2021-11-02")
    img = Image.open(tree / "赶水镇/三居社区" / new[0].file)
    assert img.size == (300, 200) and img.format == "JPEG" and img.getpixel((10, 10)) == (255, 255, 255)
    assert new[0].stage == "改造后" and new[0].date.isoformat() == "2021-11-02"  # --date when the picture has none


def test_refused_files_change_nothing(tree: Path, project: str, tmp_path: Path):
    fake = tmp_path / "photo.jpg"
    fake.write_text("这不是图片\n", encoding="utf-8")
    good = camera_jpeg(tmp_path / "good.jpg", size=(800, 600))
    before = snapshot(tree)
    with pytest.raises(Exception) as e:
        photos.attach(tree, project, [good, fake])  # one bad file refuses the lot
    assert "不是图片" in str(e.value) and "photo.jpg" in str(e.value)
    assert snapshot(tree) == before
    with pytest.raises(Exception, match="阶段"):
        photos.attach(tree, project, [good], stage="完工")
    with pytest.raises(Exception, match="无法读取"):
        photos.attach(tree, project, [tmp_path / "missing.jpg"])
    assert snapshot(tree) == before


def test_a_decompression_bomb_is_refused_from_its_header(tree: Path, project: str, tmp_path: Path):
    """A PNG claiming 20000 × 20000 pixels (400 megapixels), a few hundred bytes on disk: never decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 20001 * 10)) + chunk(b"IEND", b""))
    before = snapshot(tree)
    with pytest.raises(Exception, match="像素"):
        photos.attach(tree, project, [bomb])
    assert snapshot(tree) == before


def test_the_same_picture_twice_is_refused(tree: Path, project: str, tmp_path: Path):
    src = camera_jpeg(tmp_path / "a.jpg", size=(640, 480))
    photos.attach(tree, project, [src])
    with pytest.raises(Exception, match="已是"):
        photos.attach(tree, project, [src])


def test_tampered_missing_and_outside_attachments_fail_check_naming_them(tree: Path, project: str, tmp_path: Path):
    _, new = photos.attach(tree, project, [camera_jpeg(tmp_path / "a.jpg", size=(640, 480)), camera_jpeg(tmp_path / "b.jpg", size=(640, 480), colour=(1, 2, 3))])
    unit = tree / "赶水镇/三居社区"
    first = unit / new[0].file
    raw = bytearray(first.read_bytes())
    raw[-10] ^= 0xFF  # one byte changed
    first.write_bytes(bytes(raw))
    (unit / new[1].file).unlink()
    problems = [str(p) for p in check(load(tree))]
    assert any(new[0].file in p and "sha256" in p for p in problems), problems
    assert any(new[1].file in p and "不存在" in p for p in problems), problems
    assert all(p.startswith("赶水镇/三居社区/2021.yaml:") for p in problems if "附件" in p)
    # a hand edit pointing outside the tree: reported, never read
    ledger_file = unit / "2021.yaml"
    text = ledger_file.read_text(encoding="utf-8").replace(new[1].file, "../../../../etc/passwd")
    ledger_file.write_text(text, encoding="utf-8")
    problems = [str(p) for p in check(load(tree))]
    assert any("../../../../etc/passwd" in p and "不在台账库内" in p for p in problems), problems


def test_a_text_file_recorded_with_its_own_hash_is_no_picture(tree: Path, project: str, tmp_path: Path):
    _, new = photos.attach(tree, project, [camera_jpeg(tmp_path / "a.jpg", size=(640, 480))])
    stored = tree / "赶水镇/三居社区" / new[0].file
    stored.write_text("not a picture", encoding="utf-8")
    ledger_file = tree / "赶水镇/三居社区/2021.yaml"
    ledger_file.write_text(ledger_file.read_text(encoding="utf-8").replace(new[0].sha256, hashlib.sha256(b"not a picture").hexdigest()), encoding="utf-8")
    problems = [str(p) for p in check(load(tree))]
    assert any(new[0].file in p and "不是图片" in p for p in problems), problems


def test_detach_deletes_the_file_and_keeps_the_record(tree: Path, project: str, tmp_path: Path):
    _, new = photos.attach(tree, project, [camera_jpeg(tmp_path / "a.jpg", size=(640, 480))])
    stored = tree / "赶水镇/三居社区" / new[0].file
    item, a = photos.detach(tree, project, 1, reason="拍错了", when="2021-05-01")
    assert not stored.exists()
    assert a.removed.isoformat() == "2021-05-01" and a.reason == "拍错了" and item.attachments[0].file == new[0].file
    assert [p for p in check(load(tree)) if p.severity == "error"] == []
    with pytest.raises(Exception, match="已于"):
        photos.detach(tree, project, 1)
    with pytest.raises(Exception, match="没有第 2 个附件"):
        photos.detach(tree, project, 2)


def test_cli_attach_show_detach(tree: Path, project: str, tmp_path: Path, cli):
    src = camera_jpeg(tmp_path / "IMG_0002.jpg", size=(2000, 1500))
    r = cli("attach", project, str(src), "--stage", "改造后", "--caption", "改造后的老街道路", ledger=tree)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(f"已添加 {project} 附件 1：附件/{project}/") and "拍摄于 2021-04-30" in r.stdout
    shown = cli("show", project, ledger=tree).stdout
    assert "附件：" in shown and "1. [改造后] 改造后的老街道路 拍摄 2021-04-30" in shown
    fake = tmp_path / "x.jpg"
    fake.write_bytes(b"GIF89a not really")
    r = cli("attach", project, str(fake), ledger=tree)
    assert r.exit_code == 1 and "错误：" in r.stderr and "Traceback" not in r.stderr
    r = cli("detach", project, "1", "--reason", "重复", ledger=tree)
    assert r.exit_code == 0 and "删除记录保留" in r.stdout
    assert "已删除" in cli("show", project, ledger=tree).stdout
    assert cli("check", ledger=tree).exit_code == 0
    assert cli("fmt", "--check", ledger=tree).exit_code == 0  # attach and detach write the canonical layout


def test_attach_commit_commits_the_picture_with_the_ledger(tree: Path, project: str, tmp_path: Path, cli):
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=tree, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("config", "user.name", "t")
    git("config", "user.email", "t@example.org")
    git("add", "-A")
    git("commit", "-qm", "start")
    r = cli("attach", project, str(camera_jpeg(tmp_path / "a.jpg", size=(640, 480))), "--commit", ledger=tree)
    assert r.exit_code == 0, r.stderr
    files = git("show", "--name-only", "--format=", "HEAD").split()
    assert "赶水镇/三居社区/2021.yaml" in files and any(f.startswith(f"赶水镇/三居社区/附件/{project}/") for f in files)
    assert cli("detach", project, "1", "--commit", ledger=tree).exit_code == 0
    assert git("status", "--porcelain") == ""  # the deletion was committed too


def test_escalation_leaves_the_photos_with_the_original(tree: Path, tmp_path: Path):
    demand = items.add(tree, "赶水镇/三居社区", "路灯损坏", opened="2021-03-01").id
    photos.attach(tree, demand, [camera_jpeg(tmp_path / "a.jpg", size=(640, 480))])
    new = items.escalate(tree, demand, "赶水镇", "需镇里协调", when="2021-03-05")
    assert new.attachments == []  # its files live beside the original's ledger, and stay on its record
    assert [p for p in check(load(tree)) if p.severity == "error"] == []


# ------------------------------------------------------------------ properties (scale with SHISHI_FUZZ_EXAMPLES)

EXAMPLES = int(os.environ.get("SHISHI_FUZZ_EXAMPLES", "0"))
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAVE = {"JPEG": ("RGB", "L", "CMYK"), "PNG": ("RGB", "RGBA", "L", "P", "I;16"), "WEBP": ("RGB", "RGBA"), "TIFF": ("RGB", "L"), "BMP": ("RGB", "L"), "GIF": ("P", "L")}


@settings(FUZZ, max_examples=EXAMPLES or 30)
@given(
    fmt=st.sampled_from(sorted(SAVE)),
    data=st.data(),
    w=st.integers(1, 2200),
    h=st.integers(1, 2200),
    orientation=st.integers(1, 8),
    taken=st.none() | st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)),
)
def test_every_picture_comes_out_upright_small_and_bare(fmt, data, w, h, orientation, taken):
    mode = data.draw(st.sampled_from(SAVE[fmt]))
    img = Image.new(mode, (w, h))
    exif = Image.Exif()
    exif[MAKE], exif[0x0112] = "Xiaomi", orientation
    exif.get_ifd(GPS_IFD)[2] = (29.0, 1.0, 2.0)
    if taken is not None:
        exif.get_ifd(EXIF_IFD)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    buf = io.BytesIO()
    img.save(buf, fmt, **({"exif": exif} if fmt in ("JPEG", "PNG", "WEBP", "TIFF") else {}))
    pic = photos.prepare(buf.getvalue(), "p")
    out = Image.open(io.BytesIO(pic.data))
    assert out.format == "JPEG" and out.mode == "RGB"
    turned = fmt in ("JPEG", "PNG", "WEBP", "TIFF") and orientation in (5, 6, 7, 8)
    want = (h, w) if turned else (w, h)
    assert max(out.size) == min(photos.MAX_SIDE, max(want)) and max(out.size) <= photos.MAX_SIDE  # never enlarged
    assert (out.size[0] >= out.size[1]) == (want[0] >= want[1]) or min(want) * photos.MAX_SIDE < max(want)  # orientation kept
    got = out.getexif()
    assert set(got) <= {EXIF_IFD} and got.get_ifd(GPS_IFD) == {} and b"Xiaomi" not in pic.data
    if taken is not None and fmt in ("JPEG", "PNG", "WEBP"):  # Pillow writes no Exif IFD into a TIFF
        assert got.get_ifd(EXIF_IFD) == {0x9003: taken.strftime("%Y:%m:%d %H:%M:%S")}
    assert hashlib.sha256(pic.data).hexdigest() == pic.sha256


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 60, 90)).save(buf, "JPEG", exif=Image.Exif())
    return buf.getvalue()


@settings(FUZZ, max_examples=EXAMPLES or 60)
@given(st.one_of(st.binary(max_size=2000), st.builds(lambda cut, flips: _mutate(_jpeg(), cut, flips), st.integers(0, 2000), st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 255)), max_size=8))))
def test_any_bytes_are_a_picture_or_a_clear_refusal(raw):
    try:
        pic = photos.prepare(raw, "x.jpg")
    except ShishiError as e:
        assert "x.jpg" in e.message
    else:
        assert Image.open(io.BytesIO(pic.data)).format == "JPEG"


def _mutate(raw: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    b = bytearray(raw[: max(cut, 2)] if cut < len(raw) else raw)
    for at, x in flips:
        if at < len(b):
            b[at] ^= x
    return bytes(b)
