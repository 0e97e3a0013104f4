"""Commands `attach` and `detach`: evidence photos of an item, kept in the ledger tree."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shishi.cli.common import commit_option, committing, errors, out, root_of
from shishi.i18n import tr

app = typer.Typer()


@app.command()
def attach(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="照片文件 (JPEG/PNG/WebP/TIFF/BMP/GIF)."),
    caption: Optional[str] = typer.Option(None, "--caption", "-c", help="照片说明，如 改造前的通惠场老街道路 (caption)."),
    stage: Optional[str] = typer.Option(None, "--stage", help="改造前|过程|改造后 (before|during|after)."),
    when: Optional[str] = typer.Option(None, "--date", help="拍摄日期，默认取照片 EXIF 的拍摄时间 (date taken; default the picture's EXIF date)."),
    commit: bool = commit_option(),
) -> None:
    """添加照片附件：缩至 1600 像素、去除 GPS 和设备信息后存入台账库 (attach evidence photos, scaled down, GPS and camera data removed)."""
    from shishi.write.attach import MAX_SIDE
    from shishi.write.attach import attach as do_attach

    with errors(), committing(ctx, commit, lambda: f"attach {item.id}: {len(new)} {'photo' if len(new) == 1 else 'photos'}"):
        item, new = do_attach(root_of(ctx), item_id, files, caption=caption, stage=stage, when=when)
    first = len(item.attachments) - len(new) + 1
    for i, a in enumerate(new, first):
        taken = tr(f"，拍摄于 {a.date}", f", taken {a.date}") if a.date else tr("，无拍摄日期", ", no date taken")
        out(tr(f"已添加 {item.id} 附件 {i}：{a.file}{taken}", f"attached {i} to {item.id}: {a.file}{taken}"))
    typer.echo(tr(f"照片已缩至不超过 {MAX_SIDE} 像素，拍摄位置和设备信息已去除", f"pictures scaled to at most {MAX_SIDE} px; GPS and camera data removed"), err=True)


@app.command()
def detach(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="事项编号 (item ID)."),
    number: int = typer.Argument(..., metavar="N", help="附件序号（shishi show 列出的）(the number `show` lists)."),
    reason: Optional[str] = typer.Option(None, "--reason", help="删除原因 (why)."),
    when: Optional[str] = typer.Option(None, "--date", help="日期 (default today)."),
    commit: bool = commit_option(),
) -> None:
    """删除一个照片附件：文件删除，事项中留有删除记录 (detach a photo; the item keeps a record of it)."""
    from shishi.write.attach import detach as do_detach

    with errors(), committing(ctx, commit, lambda: f"detach {item.id}: {a.file}"):
        item, a = do_detach(root_of(ctx), item_id, number, reason=reason, when=when)
    out(tr(f"已删除 {item.id} 附件 {number}：{a.file}（删除记录保留在事项中）", f"detached {number} from {item.id}: {a.file} (the record stays on the item)"))
