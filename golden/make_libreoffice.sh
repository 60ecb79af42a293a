#!/bin/sh
# Rebuild the golden `*-docx-lo` cases: the golden Word forms exported to PDF by LibreOffice, a program other than
# ours (Word tables whose rows break across pages, numbers wrapped in narrow columns, autospace between CJK and
# digits). Committed as generated on 2026-12-06 by LibreOffice 7.4.7.2 (Debian bookworm) with fonts-noto-cjk; another
# version may draw the pages differently, so rebuild only on purpose and check `jixiao eval golden` after.
# Needs soffice (`apt-get install libreoffice-writer-nogui fonts-noto-cjk`).
set -eu
cd "$(dirname "$0")"
command -v soffice >/dev/null || { echo "soffice (LibreOffice) not on PATH: nothing rebuilt" >&2; exit 1; }
for name in jinfeng pujin qijiang yuzhong; do
    soffice --headless --convert-to pdf --outdir "$name-docx-lo" "$name-docx/$name.docx" >/dev/null
    cp "$name-docx/expected.json" "$name-docx-lo/expected.json"
done
