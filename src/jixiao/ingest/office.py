"""Office files: the content decides the reader, not the suffix.

A zip holding `xl/workbook.xml` is an Excel 2007+ workbook, one holding `word/document.xml` a Word
document; an OLE2 compound file holding a `Workbook`/`Book` stream is a BIFF workbook (.xls, and
WPS .et saved that way), one holding `WordDocument` a legacy Word/WPS document, which is converted
with LibreOffice (`soffice --headless --convert-to docx`) into a temporary folder when soffice is
on PATH; one holding `EncryptionInfo` is a password-protected Office 2007+ file. The input is
never modified (LibreOffice works on a copy in the temporary folder).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from xlrd.compdoc import CompDoc, CompDocError

from jixiao.errors import EmptyInput, InputError, UnsupportedInput
from jixiao.ingest.word import ingest_docx
from jixiao.ingest.xls import EncryptedWorkbook, ingest_xls
from jixiao.ingest.xlsx import CorruptWorkbook, ingest_xlsx
from jixiao.layout import IngestNote, LayoutDocument

OFFICE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".docx", ".docm", ".doc", ".wps", ".et"})
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CONVERT_TIMEOUT = 120  # seconds


class NeedsConversion(UnsupportedInput):
    pass


def sniff(data: bytes) -> str:
    """'xlsx', 'docx', 'xls', 'doc', 'encrypted', 'zip' (another zip) or 'unknown'."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return "zip"
        if "xl/workbook.xml" in names or any(n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
        return "zip"
    if data[:8] == _OLE2:
        try:
            streams = {d.name for d in CompDoc(data, logfile=_Silent()).dirlist}
        except (CompDocError, IndexError, ValueError, AssertionError):
            return "unknown"
        if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
            return "encrypted"
        if "Workbook" in streams or "Book" in streams:
            return "xls"
        if "WordDocument" in streams:
            return "doc"
    return "unknown"


_KIND_SUFFIX = {"xlsx": ".xlsx", "docx": ".docx", "xls": ".xls", "doc": ".doc"}
_READS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".et": "xls", ".docx": "docx", ".docm": "docx",
          ".doc": "doc", ".wps": "doc"}


def ingest_office(path: Path) -> LayoutDocument:
    """Read a spreadsheet or Word file by what it contains."""
    data = path.read_bytes()
    if not data:
        raise EmptyInput(f"{path}: empty file")
    sha256 = hashlib.sha256(data).hexdigest()
    kind = sniff(data)
    if kind == "encrypted":
        raise EncryptedWorkbook(f"{path}: password-protected (encrypted) Office file; save it without a password")
    if kind == "zip":
        raise CorruptWorkbook(f"{path}: damaged or not an Office file (a zip without a workbook or document part)")
    if kind == "unknown":
        raise CorruptWorkbook(f"{path}: not a readable Excel/Word file (content is neither Office 2007+ nor 97–2003)")
    notes: list[IngestNote] = []
    expected = _READS.get(path.suffix.lower())
    if expected is not None and expected != kind:
        notes.append(IngestNote(code="SUFFIX_MISMATCH", severity="info",
                                message=f"文件扩展名为{path.suffix}，内容实为{_KIND_SUFFIX[kind]}格式，已按内容读取"))
    if kind == "xlsx":
        layout = ingest_xlsx(path, data, sha256)
    elif kind == "xls":
        layout = ingest_xls(path, data, sha256)
    elif kind == "docx":
        layout = ingest_docx(path, data, sha256)
    else:
        layout = _converted(path, sha256)
        notes.append(IngestNote(code="CONVERTED", severity="info",
                                message=f"{path.suffix}文件已用LibreOffice转换为.docx后读取（原文件未改动）"))
    layout.notes = notes + layout.notes
    return layout


def _converted(path: Path, sha256: str) -> LayoutDocument:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise NeedsConversion(f"{path}: legacy Word/WPS file; install LibreOffice (soffice) or save it as .docx "
                              "in Word/WPS, then run again")
    with tempfile.TemporaryDirectory(prefix="jixiao-convert-") as tmp:
        work = Path(tmp)
        copy = work / ("input" + path.suffix.lower())
        shutil.copyfile(path, copy)  # LibreOffice writes lock files next to what it opens: never beside the input
        profile = (work / "profile").as_uri()
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                            "--convert-to", "docx", "--outdir", str(work / "out"), str(copy)],
                           check=True, capture_output=True, timeout=CONVERT_TIMEOUT)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise InputError(f"{path}: LibreOffice could not convert it to .docx ({type(exc).__name__})") from None
        converted = work / "out" / "input.docx"
        if not converted.is_file():
            raise InputError(f"{path}: LibreOffice could not convert it to .docx (no output)")
        return ingest_docx(path, converted.read_bytes(), sha256)


class _Silent:
    def write(self, _text: str) -> int:
        return 0
