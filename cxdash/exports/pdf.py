"""A deck as PDF, through LibreOffice: the one renderer that reads native PowerPoint charts and
tables, so the PDF shows the same slides the .pptx does.

Each conversion runs in a temporary folder with its own LibreOffice profile and HOME: a shared
profile is locked by any running soffice (the conversion then silently does nothing) and the
server account's home may be read-only.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from cxdash.errors import UserError

NOT_FOUND = "PDF needs LibreOffice: apt-get install libreoffice-impress (soffice not found)"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise UserError(NOT_FOUND)
    return found


def to_pdf(pptx: bytes, timeout: int = 300) -> bytes:
    """PDF bytes of a .pptx, one page per slide; a UserError with LibreOffice's words on failure."""
    program = soffice()
    with tempfile.TemporaryDirectory(prefix="cxdash-pdf-") as folder:
        tmp = Path(folder)
        deck = tmp / "deck.pptx"
        deck.write_bytes(pptx)
        command = [program, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(tmp), str(deck)]
        returncode, output = _run(command, {**os.environ, "HOME": str(tmp)}, tmp, timeout)
        pdf = tmp / "deck.pdf"
        if returncode != 0 or not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            raise UserError(f"LibreOffice could not convert the deck to PDF (exit code {returncode}): "
                            f"{_tail(output) or 'no output'}")
        return pdf.read_bytes()


def _run(command: list[str], env: dict, cwd: Path, timeout: int) -> tuple[int, str]:
    """Run in a session of its own so a timeout ends soffice and the helpers it started, nothing else."""
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        out, err = process.communicate()
        raise UserError(f"LibreOffice took longer than {timeout} s to convert the deck to PDF: "
                        f"{_tail(_text(err) or _text(out)) or 'no output'}") from None
    return process.returncode, _text(err) or _text(out)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace").strip()


def _tail(text: str, lines: int = 8) -> str:
    return " | ".join(text.splitlines()[-lines:])
