"""Turn a file into text blocks that remember their heading path and page.

Formats: Markdown (with an optional ``---`` front matter of ``key: value`` lines), plain text,
HTML (``<title>`` and ``<meta name="project|doc-id|title">``) and PDF (pypdf; a page with no
text layer is listed in ``pages_without_text`` so the caller can report it). Tables become one
line per row, ``Header: value; Header: value``, so a row reads as a sentence.
"""
from __future__ import annotations

from crm.encoding import decode_guess

import re
from dataclasses import dataclass, field
from pathlib import Path

from crm.errors import InvalidInput

KINDS = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
         ".html": "html", ".htm": "html", ".pdf": "pdf"}


class UnreadableDocument(InvalidInput):
    """The file could not be read as its kind says (message is safe to show)."""


@dataclass(frozen=True)
class Block:
    text: str
    headings: tuple[str, ...] = ()
    page: int | None = None


@dataclass
class ParsedDocument:
    kind: str
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    project: str | None = None
    doc_id: str | None = None
    pages: int | None = None
    pages_without_text: list[int] = field(default_factory=list)


def kind_of(path: Path) -> str | None:
    return KINDS.get(path.suffix.lower())


def parse_file(path: Path) -> ParsedDocument:
    kind = kind_of(path)
    if kind is None:
        raise UnreadableDocument(f"{path.name}: unsupported file type")
    if kind == "pdf":
        return parse_pdf(path)
    text = decode_guess(path.read_bytes())
    return parse_text_as(kind, text)


def parse_text_as(kind: str, text: str) -> ParsedDocument:
    if kind == "markdown":
        return parse_markdown(text)
    if kind == "html":
        return parse_html(text)
    if kind == "text":
        return parse_plain(text)
    raise UnreadableDocument(f"unsupported document kind {kind!r}")


# -- front matter ------------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``key: value`` lines between ``---`` fences at the very top (a YAML subset)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "#")):
            meta[key.strip().lower().replace("-", "_")] = value.strip().strip("'\"")
    return meta, text[match.end():]


def _apply_meta(doc: ParsedDocument, meta: dict[str, str]) -> None:
    doc.title = meta.get("title") or doc.title
    doc.project = meta.get("project") or doc.project
    doc.doc_id = meta.get("id") or meta.get("doc_id") or doc.doc_id


class _Headings:
    """A heading stack; the document's own title (its H1) is not repeated in every path."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def push(self, level: int, text: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))

    def path(self, title: str | None) -> tuple[str, ...]:
        names = [t for _, t in self.stack if t]
        if names and title and names[0].casefold() == title.casefold():
            names = names[1:]
        return tuple(names)


# -- Markdown ----------------------------------------------------------------------------------
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_LIST = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def clean_inline(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])", r"\2", text)
    text = text.replace("`", "")
    return re.sub(r"[ \t]+", " ", text).strip()


def table_rows(rows: list[list[str]]) -> list[str]:
    """``Header: value; ...`` per data row; a table without a header keeps its cells."""
    rows = [[clean_inline(c) for c in r] for r in rows if any(c.strip() for c in r)]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if not body:
        return ["; ".join(c for c in header if c)]
    lines = []
    for row in body:
        cells = [f"{h}: {c}" if h else c for h, c in zip(header, row) if c]
        cells += [c for c in row[len(header):] if c]
        lines.append("; ".join(cells))
    return lines


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def parse_markdown(text: str) -> ParsedDocument:
    meta, body = split_front_matter(text.replace("\r\n", "\n"))
    doc = ParsedDocument(kind="markdown")
    _apply_meta(doc, meta)
    lines = body.split("\n")
    if doc.title is None:
        for line in lines:
            m = _ATX.match(line)
            if m and len(m.group(1)) == 1:
                doc.title = clean_inline(m.group(2))
                break
    headings = _Headings()
    para: list[str] = []

    def flush() -> None:
        joined = clean_inline(" ".join(p.strip() for p in para))
        if joined:
            doc.blocks.append(Block(joined, headings.path(doc.title)))
        para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            flush()
            fence, code = stripped[:3], []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                code.append(lines[i])
                i += 1
            if "\n".join(code).strip():
                doc.blocks.append(Block("\n".join(code).strip(), headings.path(doc.title)))
            i += 1
            continue
        m = _ATX.match(line)
        if m:
            flush()
            headings.push(len(m.group(1)), clean_inline(m.group(2)))
            i += 1
            continue
        if para and len(para) == 1 and _SETEXT.match(line) and not _LIST.match(para[0]):
            level = 1 if stripped.startswith("=") else 2
            heading = clean_inline(para[0])
            para.clear()
            if doc.title is None and level == 1:
                doc.title = heading
            headings.push(level, heading)
            i += 1
            continue
        if not stripped or _RULE.match(line):
            flush()
            i += 1
            continue
        if "|" in stripped and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
            flush()
            rows = [_split_row(line)]
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(_split_row(lines[i]))
                i += 1
            for row in table_rows(rows):
                doc.blocks.append(Block(row, headings.path(doc.title)))
            continue
        item = _LIST.match(line)
        if item:
            flush()
            para.append(item.group(1))
            i += 1
            # continuation lines of the same item (indented, not a new item)
            while i < len(lines) and lines[i].startswith((" ", "\t")) and lines[i].strip() \
                    and not _LIST.match(lines[i]):
                para.append(lines[i])
                i += 1
            flush()
            continue
        para.append(stripped[1:].strip() if stripped.startswith(">") else stripped)
        i += 1
    flush()
    return doc


# -- plain text --------------------------------------------------------------------------------
def _looks_like_heading(line: str) -> bool:
    words = line.split()
    if not words or len(words) > 8 or line.rstrip()[-1:] in ".,;!?":
        return False
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and (line.rstrip().endswith(":") or all(c.isupper() for c in letters))


def parse_plain(text: str) -> ParsedDocument:
    """Paragraphs split by blank lines; underlined or ALL-CAPS short lines are headings."""
    meta, body = split_front_matter(text.replace("\r\n", "\n"))
    doc = ParsedDocument(kind="text")
    _apply_meta(doc, meta)
    headings = _Headings()
    for chunk in re.split(r"\n\s*\n", body):
        lines = [ln.rstrip() for ln in chunk.strip("\n").split("\n") if ln.strip()]
        if not lines:
            continue
        if len(lines) >= 2 and _SETEXT.match(lines[1]) and len(lines[1].strip()) >= 3:
            level = 1 if lines[1].strip().startswith("=") else 2
            if doc.title is None and level == 1:
                doc.title = lines[0].strip()
            headings.push(level, lines[0].strip())
            lines = lines[2:]
            if not lines:
                continue
        if len(lines) == 1 and _looks_like_heading(lines[0]):
            headings.push(2, lines[0].strip().rstrip(":").strip())
            continue
        if doc.title is None and not doc.blocks and len(lines) == 1 and len(lines[0].split()) <= 12 \
                and lines[0].rstrip()[-1:] not in ".!?":
            doc.title = lines[0].strip()
            continue
        items = [_LIST.match(ln) for ln in lines]
        if all(items):
            for m in items:
                doc.blocks.append(Block(m.group(1).strip(), headings.path(doc.title)))  # type: ignore[union-attr]
        else:
            doc.blocks.append(Block(" ".join(ln.strip() for ln in lines), headings.path(doc.title)))
    return doc


# -- HTML --------------------------------------------------------------------------------------
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "form", "button", "iframe", "head"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "li", "ul", "ol",
               "dl", "dt", "dd", "blockquote", "pre", "figure", "figcaption", "address", "caption",
               "body", "html", "tbody", "thead"}


def parse_html(text: str) -> ParsedDocument:
    from bs4 import BeautifulSoup, Comment, NavigableString, Tag

    soup = BeautifulSoup(text, "html.parser")
    doc = ParsedDocument(kind="html")
    meta = {}
    for tag in soup.find_all("meta"):
        name = (tag.get("name") or tag.get("property") or "").lower().replace("-", "_")
        if name and tag.get("content"):
            meta[name.removeprefix("og:")] = str(tag["content"]).strip()
    _apply_meta(doc, {"title": meta.get("title", ""), "project": meta.get("project", ""),
                      "id": meta.get("doc_id", "")})
    if doc.title is None and soup.title and soup.title.get_text(strip=True):
        doc.title = soup.title.get_text(" ", strip=True)
    if doc.title is None:
        h1 = soup.find("h1")
        doc.title = h1.get_text(" ", strip=True) if h1 else None
    headings = _Headings()
    buffer: list[str] = []

    def flush() -> None:
        joined = re.sub(r"[ \t\r\f\v]+", " ", "".join(buffer))
        for line in joined.split("\n"):
            if line.strip():
                doc.blocks.append(Block(line.strip(), headings.path(doc.title)))
        buffer.clear()

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                buffer.append(str(child).replace("\n", " "))
                continue
            if not isinstance(child, Tag) or child.name in _SKIP_TAGS:
                continue
            name = child.name
            if re.fullmatch(r"h[1-6]", name):
                flush()
                headings.push(int(name[1]), child.get_text(" ", strip=True))
            elif name == "table":
                flush()
                rows = [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
                        for tr in child.find_all("tr")]
                for row in table_rows(rows):
                    doc.blocks.append(Block(row, headings.path(doc.title)))
            elif name == "br":
                buffer.append("\n")
            elif name in _BLOCK_TAGS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)

    walk(soup.body or soup)
    flush()
    return doc


# -- PDF ---------------------------------------------------------------------------------------
def _pdf_heading(line: str, next_line: str | None) -> bool:
    words = line.split()
    if not words or len(words) > 8 or next_line is None or line.rstrip()[-1:] in ".,;:!?)":
        return False
    if any(ch.isdigit() for ch in words[0]) and len(words) == 1:
        return False
    caps = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
    return caps == len(words)


def parse_pdf(path: Path) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    doc = ParsedDocument(kind="pdf")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(f"{path.name}: the PDF is encrypted")
        info = reader.metadata
        if info and info.title and str(info.title).strip():
            doc.title = str(info.title).strip()
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableDocument:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError):
        raise UnreadableDocument(f"{path.name}: not a readable PDF") from None
    doc.pages = len(pages)
    headings = _Headings()
    for number, text in enumerate(pages, start=1):
        if not text.strip():
            doc.pages_without_text.append(number)
            continue
        text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated at line ends
        lines = [ln.strip() for ln in text.split("\n")]
        para: list[str] = []

        def flush() -> None:
            if para:
                doc.blocks.append(Block(" ".join(para), headings.path(doc.title), number))
                para.clear()

        for idx, line in enumerate(lines):
            if not line:
                flush()
                continue
            nxt = next((ln for ln in lines[idx + 1:] if ln), None)
            if _pdf_heading(line, nxt) and (not para or para[-1][-1:] in ".!?:"):
                flush()
                if doc.title is None and number == 1 and not doc.blocks and not headings.stack:
                    doc.title = line
                    headings.push(1, line)
                else:
                    headings.push(2, line)
                continue
            bullet = re.match(r"^[•▪●◦\-–*]\s*(.*)$", line)
            if bullet:
                flush()
                para.append(bullet.group(1))
                flush()
                continue
            para.append(line)
            if line[-1:] in ".!?" and nxt is not None and nxt[:1].isupper() and len(" ".join(para).split()) > 60:
                flush()
        flush()
    return doc
