"""Values read by OCR with low recognition confidence: each gets a finding naming its path."""

from __future__ import annotations

from jixiao.checks.base import Sink
from jixiao.models import FLAG_CONFIDENCE


def check_ocr_confidence(sink: Sink) -> None:
    """LOW_CONFIDENCE for every field whose source cell OCR read with a score under the floor."""
    for path, prov in sink.form.provenance.items():
        if prov.method == "ocr" and prov.confidence < FLAG_CONFIDENCE:
            sink.emit("LOW_CONFIDENCE", "warning", path,
                      f"OCR识别置信度低（{prov.confidence:.2f}）：“{prov.source_text}”，请对照原件核对",
                      found=prov.source_text)


CHECKS = (check_ocr_confidence,)
