"""The saved .xlsx/.docx package as the program that wrote it leaves it: fixed dates (the same bytes on every
run), formulas with their cached values, strings shared (Excel, WPS) or inline (streaming writers)."""

from __future__ import annotations

import io
import re
import zipfile


def stable_zip(data: bytes, cached: dict[str, dict[str, str]] | None = None, names: list[str] | None = None) -> bytes:
    """The same bytes on every run (fixed dates); formula cells get their cached values written in, as Excel
    saves them (openpyxl writes an empty <v/>)."""
    sheet_files = {name: f"xl/worksheets/sheet{k + 1}.xml" for k, name in enumerate(names or [])}
    patch = {sheet_files[name]: values for name, values in (cached or {}).items() if values}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-03-01T00:00:00Z", body)
            for address, value in patch.get(info.filename, {}).items():
                body, n = re.subn(rf'(<c r="{address}"[^>]*>(?:<f>[^<]*</f>))<v\s*>\s*</v>|(<c r="{address}"[^>]*>'
                                  rf'(?:<f>[^<]*</f>))<v\s*/>'.encode(),
                                  lambda m, v=value: (m.group(1) or m.group(2)) + f"<v>{v}</v>".encode(), body)
                assert n == 1, (info.filename, address)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 3, 1, 0, 0, 0)), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


_INLINE = re.compile(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is>(.*?)</is></c>', re.S)


def shared_strings(data: bytes) -> bytes:
    """Move every inline string (what openpyxl writes) into xl/sharedStrings.xml (what Excel writes)."""
    table: dict[bytes, int] = {}

    def to_index(m: re.Match[bytes]) -> bytes:
        index = table.setdefault(m.group(2), len(table))
        return m.group(1) + b' t="s"><v>' + str(index).encode() + b"</v></c>"

    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                body = _INLINE.sub(to_index, body)
            parts[info.filename] = body
    if not table:
        return data
    ns = b"http://schemas.openxmlformats.org/"
    parts["xl/sharedStrings.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="' + ns
                                     + b'spreadsheetml/2006/main" count="' + str(len(table)).encode() + b'" uniqueCount="'
                                     + str(len(table)).encode() + b'">'
                                     + b"".join(b"<si>" + si + b"</si>" for si in table) + b"</sst>")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSST" Type="' + ns + b'officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    return _zipped(parts)


def streamed(data: bytes) -> bytes:
    """As a streaming writer leaves it: inline strings, and each sheet's <dimension> left at A1."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    for name, body in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', body)
    return _zipped(parts)


def _zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in parts.items():
            dst.writestr(zipfile.ZipInfo(name, date_time=(2024, 3, 1, 0, 0, 0)), body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
