"""PDF and image ingest with PyMuPDF: text layer + ruling lines, or OCR where there is no usable text.

A page is read from its text layer when that layer holds enough readable characters; a page
with no text layer, or one whose text is garbage (a scanner's bad OCR, broken font encodings),
is rasterised and OCR'd. Cells are rebuilt from word positions, never from a table extractor's
joined strings (with some fonts `find_tables().extract()` splits '63.6' into '636' and '.').
"""

from __future__ import annotations

import bisect
import hashlib
import re
import sys
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageSequence

from jixiao.errors import EmptyInput, InputError
from jixiao.ingest.budget import PageOverBudget, page_budget
from jixiao.ingest.grid import Segment, TextBox, page_blocks
from jixiao.ingest.pagejoin import join_split_rows
from jixiao.ingest.scan import read_scanned_page, turn_clockwise
from jixiao.layout import IngestNote, InputKind, LayoutDocument, Page
from jixiao.limits import current

OCR_DPI = 200
BLANK_INK = 0.0005  # share of dark pixels under which a page is blank (not OCR'd)

# MuPDF's own messages would go to stdout and break `--json`: its errors surface as exceptions and notes
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)
pymupdf.set_messages(stream=sys.stderr)
_READABLE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef0-9A-Za-z.,:;%()\-+=≥≤<>/·、，。：；（）《》“”]")
_LINE_TOL = 2.0  # points


class EncryptedInput(InputError):
    pass


class CorruptInput(InputError):
    pass


class TooLarge(InputError):
    pass


def usable_text(text: str, short_ok: bool = False) -> bool:
    """A text layer worth reading: enough characters (any number, `short_ok`: a page with no image to OCR), and
    most of them CJK, digits or form punctuation."""
    chars = [c for c in text if not c.isspace()]
    if not chars or (len(chars) < 20 and not short_ok):
        return False
    readable = sum(1 for c in chars if _READABLE.match(c))
    return readable / len(chars) >= 0.85


def _segments(page: pymupdf.Page) -> list[Segment]:
    """Ruling lines from the page's vector drawings: stroked lines, thin filled bars, rectangle edges."""
    out: list[Segment] = []
    for path in page.get_drawings():
        stroked = path.get("color") is not None
        for item in path["items"]:
            if item[0] == "l":
                p, q = item[1], item[2]
                if abs(p.y - q.y) <= 1.0 or abs(p.x - q.x) <= 1.0:
                    out.append(Segment(p.x, p.y, q.x, q.y))
            elif item[0] == "re":
                r = item[1]
                if r.height <= 3.0 and r.width > 3.0:
                    out.append(Segment(r.x0, (r.y0 + r.y1) / 2, r.x1, (r.y0 + r.y1) / 2))
                elif r.width <= 3.0 and r.height > 3.0:
                    out.append(Segment((r.x0 + r.x1) / 2, r.y0, (r.x0 + r.x1) / 2, r.y1))
                elif stroked:
                    out += [Segment(r.x0, r.y0, r.x1, r.y0), Segment(r.x0, r.y1, r.x1, r.y1),
                            Segment(r.x0, r.y0, r.x0, r.y1), Segment(r.x1, r.y0, r.x1, r.y1)]
    return out


def _words(page: pymupdf.Page, rulings: list[Segment]) -> list[TextBox]:
    """Words rebuilt from character boxes: a word ends at a space, a gap wider than a third of the
    font size, or a vertical ruling line (MuPDF's own words run across a cell border when two
    cells' texts nearly touch: '工作运' + '无' became '工作运无')."""
    words: list[TextBox] = []
    verticals = sorted((v.x0, min(v.y0, v.y1), max(v.y0, v.y1)) for v in rulings)
    xs = [v[0] for v in verticals]

    def crosses(left: float, right: float, cy: float) -> bool:
        """A vertical ruling strictly between two x positions spans height `cy` (bisect: only those in range)."""
        start = bisect.bisect_right(xs, left)
        return any(verticals[k][1] <= cy <= verticals[k][2]
                   for k in range(start, bisect.bisect_left(xs, right, start)))

    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            run: list[tuple[float, float, float, float, str]] = []

            def flush(run: list[tuple[float, float, float, float, str]] = run) -> None:
                if run:
                    words.append(TextBox(min(c[0] for c in run), min(c[1] for c in run), max(c[2] for c in run),
                                         max(c[3] for c in run), "".join(c[4] for c in run)))
                    run.clear()

            for span in line["spans"]:
                size = span["size"]
                for ch in span["chars"]:
                    x0, y0, x1, y1 = ch["bbox"]
                    c = ch["c"]
                    if c.isspace():
                        flush()
                        continue
                    if run:
                        prev = run[-1]
                        if x0 - prev[2] > size / 3 or crosses((prev[0] + prev[2]) / 2, (x0 + x1) / 2, (y0 + y1) / 2):
                            flush()
                    run.append((x0, y0, x1, y1, c))
            flush()
    return words


def _digital_page(page: pymupdf.Page, number: int) -> Page:
    segments = _segments(page)
    rulings = [s for s in segments if not s.horizontal]
    blocks = page_blocks(segments, _words(page, rulings), number, "pdf", tol=_LINE_TOL)
    return Page(number=number, width=page.rect.width, height=page.rect.height, blocks=blocks)


def blank(image: np.ndarray) -> bool:
    """A page with (almost) no ink: sampled every 4th pixel, so a blank page costs milliseconds, not an OCR."""
    sample = image[::4, ::4]
    gray = sample.min(axis=2) if sample.ndim == 3 else sample
    return bool(gray.size == 0 or (gray < 128).mean() < BLANK_INK)


def _blank_page(number: int, notes: list[IngestNote], width: float | None = None,
                height: float | None = None) -> Page:
    notes.append(IngestNote(code="PAGE_BLANK", severity="info", page=number, message=f"第{number}页为空白页，未作识别"))
    return Page(number=number, width=width, height=height)


def _ocr_page(image: np.ndarray, dpi: float, number: int, notes: list[IngestNote]) -> Page:
    if blank(image):
        return _blank_page(number, notes, image.shape[1] * 72 / dpi, image.shape[0] * 72 / dpi)
    scanned = read_scanned_page(image, dpi, number)
    notes.extend(scanned.notes)
    return Page(number=number, width=scanned.width, height=scanned.height, blocks=scanned.blocks,
                rotation=scanned.rotation, skew=scanned.skew, ocr=True)


def page_image(page: pymupdf.Page, path: Path) -> tuple[np.ndarray, float]:
    """The page as an RGB image and its dpi: the scanner's own image when one image fills the page."""
    images = page.get_images(full=True)
    if len(images) == 1:
        rects = page.get_image_rects(images[0][0])
        if len(rects) == 1 and rects[0].width * rects[0].height >= 0.9 * page.rect.width * page.rect.height:
            width, height = images[0][2], images[0][3]  # from the image's dictionary, before decoding it
            if width * height > current().max_pixels:
                raise TooLarge(f"{path}: page {page.number + 1} image is {width}×{height} px; too large to OCR")
            pix = pymupdf.Pixmap(page.parent, images[0][0])
            if pix.width * pix.height > current().max_pixels:
                raise TooLarge(f"{path}: page {page.number + 1} image is {pix.width}×{pix.height} px; too large to OCR")
            if pix.colorspace is None:  # a stencil mask: draw the page instead
                return _render(page, path), float(OCR_DPI)
            if pix.alpha:
                pix = pymupdf.Pixmap(pix, 0)  # alpha dropped
            if pix.colorspace.n != 3:  # a grey or CMYK scan (most office scanners send grey)
                pix = pymupdf.Pixmap(pymupdf.csRGB, pix)
            image = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).copy()
            image = turn_clockwise(image, page.rotation // 90)
            shown_width = rects[0].width if not page.rotation % 180 else rects[0].height
            return image, max(72.0, pix.width * 72 / shown_width)
    return _render(page, path), float(OCR_DPI)


def _render(page: pymupdf.Page, path: Path) -> np.ndarray:
    zoom = OCR_DPI / 72
    if page.rect.width * page.rect.height * zoom * zoom > current().max_pixels:
        raise TooLarge(f"{path}: page {page.number + 1} is too large to OCR "
                       f"({page.rect.width:.0f}×{page.rect.height:.0f} pt)")
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csRGB, alpha=False)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).copy()


def _pdf_page(page: pymupdf.Page, number: int, path: Path, notes: list[IngestNote]) -> Page:
    """One page: its text layer when readable, else blank or OCR'd."""
    text = page.get_text()
    # a last page holding only the end of a cut row ('度(%)') is read from its text layer, not OCR'd
    if usable_text(text, short_ok=not page.get_images()):
        return _digital_page(page, number)
    if not text.strip() and not page.get_images() and not page.get_drawings():
        return _blank_page(number, notes, page.rect.width, page.rect.height)
    if text.strip():
        notes.append(IngestNote(code="TEXT_LAYER_UNREADABLE", severity="info", page=number,
                                message=f"第{number}页文字层为乱码，已改用OCR识别"))
    image, dpi = page_image(page, path)
    return _ocr_page(image, dpi, number, notes)


def _over_budget(number: int, why: str, notes: list[IngestNote]) -> Page:
    notes.append(IngestNote(code="PAGE_OVER_BUDGET", severity="error", page=number,
                            message=f"第{number}页{why}，未能识别；其余页照常读取"))
    return Page(number=number)


def ingest_pdf(path: Path) -> LayoutDocument:
    """Read a PDF: text-layer pages through the grid builder, image-only or garbage pages through OCR."""
    data = path.read_bytes()
    if not data.strip():
        raise EmptyInput(f"{path}: empty file")
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise CorruptInput(f"{path}: not a readable PDF ({exc})") from None
    with doc:
        if doc.needs_pass:
            raise EncryptedInput(f"{path}: encrypted PDF; a password is needed to open it")
        if doc.page_count == 0:
            raise EmptyInput(f"{path}: the PDF has no pages")
        if doc.page_count > current().max_pages:
            raise TooLarge(f"{path}: {doc.page_count} pages; more than {current().max_pages} is not one submission "
                           "(--max-pages)")
        notes: list[IngestNote] = []
        if doc.is_repaired:
            notes.append(IngestNote(code="PDF_REPAIRED", severity="warning",
                                    message="PDF文件结构损坏，已在打开时修复；请对照原件核对数值"))
        pages: list[Page] = []
        for index in range(doc.page_count):
            try:
                with page_budget():
                    pages.append(_pdf_page(doc[index], index + 1, path, notes))
            except PageOverBudget as exc:  # a hostile page: keep the others
                pages.append(_over_budget(index + 1, str(exc), notes))
            except (RuntimeError, ValueError) as exc:  # a damaged page: keep the others
                notes.append(IngestNote(code="PAGE_UNREADABLE", severity="error", page=index + 1,
                                        message=f"第{index + 1}页无法读取（{exc}）"))
                pages.append(Page(number=index + 1))
    pages = join_split_rows(pages, notes)
    ocr_pages = sum(p.ocr for p in pages)
    kind: InputKind = "scan" if ocr_pages == len(pages) else "pdf"
    if 0 < ocr_pages < len(pages):
        scanned = "、".join(str(p.number) for p in pages if p.ocr)
        notes.append(IngestNote(code="MIXED_PDF", severity="info",
                                message=f"混合PDF：共{len(pages)}页，其中第{scanned}页无文字层，已用OCR识别"))
    return LayoutDocument(path=str(path), sha256=hashlib.sha256(data).hexdigest(), kind=kind, pages=pages,
                          notes=notes)


def _check_frames(img: Image.Image, path: Path) -> None:
    """Every frame's size from the headers, before any frame is decoded (a small TIFF can hide a huge one)."""
    try:
        frames = int(getattr(img, "n_frames", 1))
        if frames > current().max_pages:
            raise TooLarge(f"{path}: {frames} frames; more than {current().max_pages} is not one submission (--max-pages)")
        for index in range(frames):
            img.seek(index)
            width, height = img.size
            if width * height > current().max_pixels:
                frame = f"frame {index + 1} is" if frames > 1 else "image is"
                raise TooLarge(f"{path}: {frame} {width}×{height} px; "
                               f"more than {current().max_pixels // 1_000_000} Mpx is not a page scan (--max-pixels)")
        img.seek(0)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptInput(f"{path}: image data is damaged ({exc})") from None


def ingest_image(path: Path) -> LayoutDocument:
    """Read a .png/.jpg/.tif scan (every frame of a multi-page TIFF) through OCR."""
    data = path.read_bytes()
    if not data:
        raise EmptyInput(f"{path}: empty file")
    Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves, before decoding
    try:
        img = Image.open(path)
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptInput(f"{path}: not a readable image ({exc})") from None
    with img:
        _check_frames(img, path)
        dpi_info = img.info.get("dpi") or (OCR_DPI, OCR_DPI)
        dpi = float(dpi_info[0]) if dpi_info[0] and dpi_info[0] > 30 else float(OCR_DPI)
        notes: list[IngestNote] = []
        pages: list[Page] = []
        try:
            for index, frame in enumerate(ImageSequence.Iterator(img)):
                try:
                    with page_budget():
                        pages.append(_ocr_page(np.asarray(frame.convert("RGB")), dpi, index + 1, notes))
                except PageOverBudget as exc:  # a hostile frame: keep the others
                    pages.append(_over_budget(index + 1, str(exc), notes))
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
            raise CorruptInput(f"{path}: image data is damaged ({exc})") from None
    return LayoutDocument(path=str(path), sha256=hashlib.sha256(data).hexdigest(), kind="image",
                          pages=join_split_rows(pages, notes), notes=notes)
