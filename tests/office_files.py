"""Build the bad Office files the tests feed to the ingest layer (no network, no Office program)."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (the container of .xls/.doc and of encrypted .xlsx) holding
    `streams`; each stream is padded to 4,096 bytes so it lives in regular sectors."""
    bodies = [data.ljust(4096, b"\0") for data in streams.values()]
    assert len(streams) <= 3 and all(len(b) % 512 == 0 for b in bodies)
    fat = [_FATSECT, _END]
    sector = 2
    starts = []
    for body in bodies:
        count = len(body) // 512
        starts.append(sector)
        fat += [sector + k + 1 for k in range(count - 1)] + [_END]
        sector += count
    fat += [_FREE] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", _NOSTREAM, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    names = list(streams)
    entries = [entry("Root Entry", 5, 1, _NOSTREAM, _END, 0)]
    for i, (name, body) in enumerate(zip(names, bodies, strict=True)):
        right = i + 2 if i + 1 < len(names) else _NOSTREAM
        entries.append(entry(name, 2, _NOSTREAM, right, starts[i], len(streams[name]) if len(streams[name]) >= 4096
                             else len(body)))
    directory = b"".join(entries).ljust(512, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108)
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + b"".join(bodies)


def encrypted_xls_stream() -> bytes:
    """A BIFF8 workbook stream whose globals start with a FILEPASS record (a password-protected .xls)."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206)
    filepass = struct.pack("<HH", 0x002F, 54) + struct.pack("<HHH", 1, 1, 1) + b"\x11" * 48
    return bof + filepass + struct.pack("<HH", 0x000A, 0)


def with_extra_entries(source: Path, extra: dict[str, bytes]) -> bytes:
    """A copy of an .xlsx/.docx zip with more entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        for name, data in extra.items():
            dst.writestr(name, data)
    return out.getvalue()


def replaced_sheet(source: Path, sheet: str, rows: int, cell_every: int = 1) -> bytes:
    """A copy of an .xlsx whose `sheet` XML is replaced by one holding `rows` rows (a cell in every
    `cell_every`-th row, the last row always), streamed so the test never holds it whole."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != sheet:
                dst.writestr(info, src.read(info))
                continue
            with dst.open(sheet, "w") as stream:
                stream.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org'
                             b'/spreadsheetml/2006/main"><dimension ref="A1:A%d"/><sheetData>' % rows)
                chunk = []
                for r in range(1, rows + 1):
                    if r % cell_every == 0 or r == rows:
                        chunk.append(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r))
                    if len(chunk) >= 10000:
                        stream.write(b"".join(chunk))
                        chunk = []
                stream.write(b"".join(chunk) + b"</sheetData></worksheet>")
    return out.getvalue()
