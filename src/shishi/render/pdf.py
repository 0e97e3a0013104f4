"""A PDF of the report: the HTML printed by a headless Chromium when one is on PATH; otherwise a clear way to get one."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from shishi.errors import ShishiError
from shishi.i18n import tr

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 180  # seconds; a big report with photos prints in a few


def browser() -> str | None:
    """The first headless-capable browser on PATH."""
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def no_renderer() -> ShishiError:
    return ShishiError(
        tr(
            "本机没有可生成 PDF 的无头浏览器（chromium、chromium-browser 或 google-chrome）。"
            "可以用 -o 报告.html 生成网页，在浏览器中打印为 PDF（A4 版式已设好）；"
            "或用 -o 报告.docx 生成公文格式的 Word 文件，在 Word/WPS 中另存为 PDF；"
            "或安装 chromium 后重试",
            "no headless browser to print a PDF with (chromium, chromium-browser or google-chrome). "
            "Write the HTML with -o report.html and print it to PDF from a browser (the A4 page is set up), "
            "or write -o report.docx and save it as PDF from Word or WPS, or install chromium and try again",
        )
    )


def render_pdf(html_text: str) -> bytes:
    """The HTML printed to PDF by headless Chromium, offline: no network, no profile of the clerk's."""
    exe = browser()
    if exe is None:
        raise no_renderer()
    with tempfile.TemporaryDirectory(prefix="shishi-pdf-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(html_text, encoding="utf-8")
        args = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(args, capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ShishiError(tr(f"{exe} 未能生成 PDF：{e}", f"{exe} did not print the PDF: {e}")) from None
        if not out.is_file() or out.stat().st_size == 0 or not out.read_bytes().startswith(b"%PDF"):
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            raise ShishiError(tr(f"{exe} 未能生成 PDF：{err[0]}", f"{exe} did not print the PDF: {err[0]}"))
        return out.read_bytes()
