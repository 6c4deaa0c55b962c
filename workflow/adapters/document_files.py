"""Uploaded documents as files: what type a version's bytes are, and a readable preview.

The engine keeps the exact bytes it was given (their SHA-256 is the version). For people
to read a version before they decide on it, it turns the four kinds it accepts into
plain text: text itself (UTF-8), a Word document (.docx, with python-docx), an
OpenDocument text (.odt, with odfpy, which parses its XML through defusedxml) and a PDF
(its text, with pypdf). Any other binary file is refused when it is registered, with a
message that says what to upload instead.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"
ACCEPTED = "plain text, a Word document (.docx), an OpenDocument text (.odt) or a PDF"


class UnsupportedDocument(ValueError):
    """The bytes are none of the types the engine can show to the people who decide."""


@dataclass(frozen=True)
class FileType:
    media_type: str
    extension: str


TYPES = {
    TEXT: FileType(TEXT, ".txt"),
    DOCX: FileType(DOCX, ".docx"),
    ODT: FileType(ODT, ".odt"),
    PDF: FileType(PDF, ".pdf"),
}


def media_type_of(content: bytes, filename: str | None = None) -> str:
    """The media type of ``content``, read from the bytes themselves (a browser's claim
    is not trusted); raises :class:`UnsupportedDocument` for any other binary file."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        found = _zipped_type(content)
        if found is None:
            raise UnsupportedDocument(
                _refusal(filename, "a zip archive that is neither a .docx nor an .odt")
            )
        return found
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedDocument(_refusal(filename, "a binary file")) from None
    if "\x00" in text:
        raise UnsupportedDocument(_refusal(filename, "a binary file"))
    return TEXT


def _zipped_type(content: bytes) -> str | None:
    """A .docx has a ``word/document.xml``; an OpenDocument file names its own type in
    its ``mimetype`` entry (and only the text kind, .odt, is accepted)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if "word/document.xml" in names:
                return DOCX
            if "mimetype" in names and "content.xml" in names:
                declared = archive.read("mimetype")[:200].decode("ascii", "replace").strip()
                return ODT if declared == ODT else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError):
        pass
    return None


def _refusal(filename: str | None, what: str) -> str:
    name = f"{filename!r} is " if filename else "the file is "
    return f"{name}{what} the engine cannot show to the people who decide: upload {ACCEPTED}"


def preview_text(content: bytes, media_type: str | None) -> str:
    """The text of a version, to read on a page."""
    kind = media_type or media_type_of(content)
    if kind == DOCX:
        from docx import Document  # imported when needed: lxml is slow to load

        document = Document(io.BytesIO(content))
        paragraphs = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                paragraphs.append(" | ".join(cell.text for cell in row.cells))
        return "\n".join(paragraphs)
    if kind == ODT:
        return "\n".join(_odt_lines(content))
    if kind == PDF:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    if kind == TEXT:
        return content.decode("utf-8", errors="replace")
    raise UnsupportedDocument(f"no preview for {kind}: download the file to read it")


def _odt_lines(content: bytes) -> Iterator[str]:
    """The headings and paragraphs of an .odt in reading order, a table's row on a line."""
    from odf.opendocument import load  # imported when needed, as python-docx is

    yield from _odt_block(load(io.BytesIO(content)).text)


def _odt_block(node: Any) -> Iterator[str]:
    from odf import teletype
    from odf.namespaces import TABLENS, TEXTNS

    cell_tag = (TABLENS, "table-cell")
    for child in node.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        if child.qname in ((TEXTNS, "h"), (TEXTNS, "p")):
            yield teletype.extractText(child)
        elif child.qname == (TABLENS, "table-row"):
            cells = [c for c in child.childNodes if getattr(c, "qname", None) == cell_tag]
            yield " | ".join(teletype.extractText(cell) for cell in cells)
        else:  # sections, lists, tables: what they hold, in order
            yield from _odt_block(child)


def download_name(filename: str | None, media_type: str | None, fallback: str) -> str:
    """A safe file name for the download, ending as its type does."""
    kept = "".join(c for c in (filename or "") if c.isalnum() or c in "._- ").strip(" .")
    extension = TYPES[media_type].extension if media_type in TYPES else ""
    if not kept:
        kept = fallback + extension
    elif extension and not kept.lower().endswith(extension):
        kept += extension
    return kept


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """The ``Content-Disposition`` header for ``filename`` (made by :func:`download_name`):
    a plain ASCII name every client reads, and the exact name (RFC 6266 ``filename*``)
    when it has other letters, since a header cannot carry them as they are."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = " ".join(ascii_name.split())
    if not ascii_name.strip(" ."):
        ascii_name = "document"
    elif ascii_name.startswith("."):  # only the extension was ASCII
        ascii_name = "document" + ascii_name
    header = f'{disposition}; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
