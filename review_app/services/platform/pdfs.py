"""Uploaded PDFs are parsed (pypdf) before they are kept: a file that only looks like a PDF (an HTML page
with `%PDF-` and `%%EOF` in comments) is refused, and so is a PDF with active content: JavaScript
(`/JavaScript`, `/JS`), actions run on opening or on events (`/OpenAction` or `/AA` of a dangerous kind),
`/Launch` of a program, embedded files, rich media. Reviewers open these files; they must be documents.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import gettext as _

if TYPE_CHECKING:
    from pypdf import PdfReader

ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/AA"})
ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE", "/RichMediaExecute", "/Rendition", "/Sound"}
)
MAX_OBJECTS = 500_000  # a document with more objects than this is refused rather than walked
CJK_FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",)
CJK_FONT = "ReviewCJK"


def cjk_font() -> str | None:
    """The name of the Chinese TrueType font registered with reportlab (embedded, so PDF text renders and
    extracts), or None when the font file (Debian package fonts-wqy-zenhei) is missing."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in CJK_FONT_PATHS if Path(p).exists()), None)
        if path is None:
            return None
        pdfmetrics.registerFont(TTFont(CJK_FONT, path, subfontIndex=0))
    return CJK_FONT


def pdf_problem(data: bytes) -> str | None:
    """Why `data` is not a PDF that may be kept, judged by its content (the name and the browser's type
    prove nothing); None when it is a readable PDF without active content."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    if not data:
        return _("The file is empty.")
    if not data.startswith(b"%PDF-"):
        return _("The file is not a PDF (its content does not start like one).")
    if b"%%EOF" not in data[-2048:]:
        return _("The PDF is incomplete (no end-of-file marker); it may have been cut off.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if len(reader.pages) == 0:
            return _("The PDF has no pages.")
        active = _active_content(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        return _("The file cannot be read as a PDF; save it again as PDF and upload it again.")
    if active:
        return _(
            "The PDF contains active content (%(what)s), which is not accepted; print it to a new PDF without "
            "scripts, attachments or actions and upload that.",
            what=active,
        )
    return None


def _active_content(reader: PdfReader) -> str | None:
    """The first active-content key found by walking every object reachable from the trailer."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    walked = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        walked += 1
        if walked > MAX_OBJECTS:
            return "/TooManyObjects"
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in ACTIVE_KEYS:
                    return key
                if key == "/S" and value in ACTIVE_ACTIONS:
                    return str(value)
                if key not in ("/Parent", "/P"):  # back links: the pages are reached from the catalogue
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def first_pages_text(data: bytes, *, pages: int = 3, limit: int = 3_000) -> str:
    """The text of a PDF's first `pages` pages (at most `limit` characters), for matching experts to what
    an application is about; empty when the PDF has no text layer (a scan) or its text cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        parts, size = [], 0
        for page in reader.pages[:pages]:
            text = " ".join((page.extract_text() or "").split())
            parts.append(text)
            size += len(text)
            if size >= limit:
                break
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        return ""
    return " ".join(p for p in parts if p)[:limit]
