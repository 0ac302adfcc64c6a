"""Raw message bytes to a ParsedEmail, with the standard library's modern email API.

``email.message_from_bytes(raw, policy=email.policy.default)`` does the MIME work; this module
adds what a mailbox full of real mail needs: every header decoded (RFC 2047 encoded words,
raw 8-bit bytes), text decoded even when the declared charset is wrong or unknown, HTML-only
bodies turned into text, attachments listed, and every problem noted as a defect instead of
raised. Parsing never raises: malformed MIME, binary garbage, an empty body and a 30 MB
message all come back as a ParsedEmail.
"""
from __future__ import annotations

import codecs
import email
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.message import EmailMessage, Message

from handlers.email_in.htmltext import html_to_text
from handlers.email_in.quotes import visible_text, visible_text_html

# Text beyond this is not decoded for reading (the raw message is kept whole elsewhere).
MAX_TEXT_CHARS = 1_000_000

# Charset labels seen in the wild that Python does not know, mapped to what they mean
# (WHATWG Encoding Standard labels and common mislabels).
_CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8", "x-unknown": "", "unknown-8bit": "", "x-user-defined": "",
    "iso-8859-8-i": "iso-8859-8", "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "x-gbk": "gbk",
    "gb2312": "gb18030", "gbk": "gb18030", "x-sjis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis",
    "windows-31j": "cp932", "x-mac-roman": "mac_roman", "macintosh": "mac_roman", "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii", "ascii": "ascii", "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "iso8859-1": "cp1252", "l1": "cp1252", "tis-620": "cp874", "iso-8859-11": "cp874", "x-euc-jp": "euc_jp",
    "cp-850": "cp850", "x-cp1250": "cp1250", "x-cp1251": "cp1251", "134": "gb18030", "default": "",
}
_SINGLE_BYTE = frozenset(
    codecs.lookup(name).name
    for name in ("cp1252", "latin-1", "iso8859-15", "cp1250", "cp1251", "iso8859-2", "iso8859-5", "koi8-r", "koi8-u")
)
_MSGID = re.compile(r"<([^<>\s]+)>")
_HEADER_START = re.compile(rb"^[!-9;-~]{1,76}:")
_SURROGATES = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int
    disposition: str | None = None
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str | None
    from_name: str | None
    reply_to: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]
    return_path: str | None
    subject: str
    date: datetime | None
    content_type: str
    text: str
    html: str | None
    text_from_html: bool
    visible_text: str
    attachments: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]
    defects: tuple[str, ...]
    size: int
    message: EmailMessage | Message | None = field(default=None, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), decoded."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def header_all(self, name: str) -> tuple[str, ...]:
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == wanted)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this message answers, the most specific first: In-Reply-To, then
        References from the last (the parent) to the first (RFC 5322 section 3.6.4)."""
        seen: list[str] = []
        for msgid in (*self.in_reply_to, *reversed(self.references)):
            if msgid not in seen:
                seen.append(msgid)
        return tuple(seen)


def parse_email(raw: bytes | str) -> ParsedEmail:
    """Parse one message. Never raises; problems are listed in ``defects``."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    defects: list[str] = []
    raw = _trim_leading_blank_lines(raw)
    message = _message_from_bytes(raw, defects)
    headers = _decoded_headers(message, defects)
    if not headers:
        defects.append("no headers")

    def first(name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in headers if k.lower() == wanted), None)

    def every(name: str) -> list[str]:
        wanted = name.lower()
        return [v for k, v in headers if k.lower() == wanted]

    from_pairs = _addresses(every("From"))
    from_name, from_address = from_pairs[0] if from_pairs else (None, None)
    body = _Body()
    _walk(message, body, defects, top=True)
    plain = body.plain.strip()
    html = body.html
    if plain or html is None:
        text, text_from_html = body.plain, False
        visible = visible_text(text)
        if not visible and html:
            visible = visible_text_html(html)
    else:
        text, text_from_html = html_to_text(html), True
        visible = visible_text_html(html)
    if not text.strip() and not html:
        defects.append("empty body")
    elif _looks_binary(text):
        defects.append("body looks like binary data")
    for part_defects in _all_defects(message):
        if part_defects not in defects:
            defects.append(part_defects)
    return ParsedEmail(
        message_id=_first_msgid(first("Message-ID")),
        in_reply_to=_msgids(" ".join(every("In-Reply-To"))),
        references=_msgids(" ".join(every("References"))),
        from_address=from_address,
        from_name=from_name,
        reply_to=tuple(a for _, a in _addresses(every("Reply-To"))),
        to=tuple(a for _, a in _addresses(every("To"))),
        cc=tuple(a for _, a in _addresses(every("Cc"))),
        delivered_to=tuple(
            dict.fromkeys(a for _, a in _addresses(every("Delivered-To") + every("X-Original-To") + every("Envelope-To")))
        ),
        return_path=next((a for _, a in _addresses(every("Return-Path"))), None),
        subject=(first("Subject") or "").strip(),
        date=_date(first("Date")),
        content_type=content_type_of(message),
        text=text,
        html=html,
        text_from_html=text_from_html,
        visible_text=visible,
        attachments=tuple(body.attachments),
        headers=tuple(headers),
        defects=tuple(defects),
        size=len(raw),
        message=message,
    )


# --- the message object ----------------------------------------------------------------------

def _trim_leading_blank_lines(raw: bytes) -> bytes:
    """Some exports put empty lines before the headers; the parser would read them as a body."""
    stripped = raw.lstrip(b"\r\n")
    if stripped is not raw and _HEADER_START.match(stripped):
        return stripped
    return raw


def _message_from_bytes(raw: bytes, defects: list[str]) -> EmailMessage | Message:
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the feed parser is lenient, but a parser bug must not lose a message
        defects.append(f"parser failed ({type(exc).__name__}); read with the compat32 policy")
    else:
        return _repaired(raw, message, defects)
    try:
        return email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:
        defects.append(f"compat32 parser failed ({type(exc).__name__}); kept as plain text")
    message = Message()
    message.set_payload(raw.decode("latin-1"))
    return message


def _repaired(raw: bytes, message: EmailMessage, defects: list[str]) -> EmailMessage:
    """Second chances for two common breakages, each noted as a defect:
    a stray line without a colon inside the header section (the parser would read every header
    after it as body text), and a multipart whose declared boundary never appears while another
    one does."""
    names = {type(d).__name__ for d in message.defects}
    if "MissingHeaderBodySeparatorDefect" in names:
        fixed = _drop_stray_header_lines(raw)
        if fixed is not None:
            try:
                message = email.message_from_bytes(fixed, policy=email.policy.default)
                defects.append("stray line in the header section ignored")
                raw = fixed
            except Exception:
                pass
    try:
        is_multipart_text = message.get_content_maintype() == "multipart" and isinstance(message.get_payload(), str)
    except Exception:
        is_multipart_text = False
    if is_multipart_text:
        fixed = _with_found_boundary(raw, message)
        if fixed is not None:
            try:
                message = email.message_from_bytes(fixed, policy=email.policy.default)
                defects.append("declared MIME boundary not found; the boundary used in the body was taken")
            except Exception:
                pass
    return message


def _drop_stray_header_lines(raw: bytes) -> bytes | None:
    newline = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
    head, separator, body = raw.partition(newline + newline)
    if not separator:
        return None
    lines = head.split(newline)
    kept = [line for line in lines if _HEADER_START.match(line) or line[:1] in (b" ", b"\t")]
    stray = len(lines) - len(kept)
    if stray == 0 or stray > 3 or len(kept) < 2 or not _HEADER_START.match(lines[0]):
        return None
    return newline.join(kept) + separator + body


_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,70})\r?\n(?=[Cc]ontent-)", re.M)


def _with_found_boundary(raw: bytes, message: EmailMessage) -> bytes | None:
    newline = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
    head, separator, body = raw.partition(newline + newline)
    match = _BOUNDARY_LINE.search(body)
    if not separator or not match:
        return None
    boundary = match.group(1)
    try:
        declared = (message.get_boundary() or "").encode("ascii", "replace")
    except Exception:
        declared = b""
    if boundary == declared:
        return None
    quoted = b'boundary="' + boundary.replace(b"\\", b"").replace(b'"', b"") + b'"'
    head, count = re.subn(rb'boundary\s*=\s*("[^"]*"|[^;\s]+)', lambda _: quoted, head, count=1, flags=re.I)
    if not count:
        head, count = re.subn(rb"(?im)^(content-type:[^\r\n]*)", lambda m: m.group(1) + b"; " + quoted, head, count=1)
    return head + separator + body if count else None


def _decoded_headers(message: Message, defects: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    try:
        items = list(message.raw_items()) if hasattr(message, "raw_items") else list(message.items())
    except Exception:
        defects.append("headers unreadable")
        return out
    for name, value in items:
        out.append((_fix_surrogates(str(name)), _header_text(message, name, value, defects)))
    return out


def _header_text(message: Message, name: str, value: object, defects: list[str]) -> str:
    """The header's text with encoded words decoded; falls back step by step, never raises."""
    raw_value = str(value)
    if "=?" not in raw_value:
        # Nothing encoded (the common case: Received, DKIM, …): unfolding is all that is needed,
        # and it spares the header registry's full parse.
        return _fix_surrogates(re.sub(r"\r?\n[ \t]+", " ", raw_value)).strip()
    policy = getattr(message, "policy", None)
    if policy is not None and hasattr(policy, "header_fetch_parse"):
        try:
            parsed = str(policy.header_fetch_parse(name, raw_value))
            return _fix_surrogates(parsed).strip()
        except Exception:
            defects.append(f"header {name} unparseable")
    try:
        unfolded = re.sub(r"\r?\n[ \t]+", " ", raw_value)
        return _fix_surrogates(str(make_header(decode_header(unfolded)))).strip()
    except Exception:
        return _fix_surrogates(re.sub(r"\r?\n[ \t]+", " ", raw_value)).strip()


def _fix_surrogates(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes: decode them as UTF-8, else cp1252."""
    if not _SURROGATES.search(text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    return _decode_bytes(data, None)[0]


# --- headers ---------------------------------------------------------------------------------

def _addresses(values: list[str]) -> list[tuple[str | None, str]]:
    """(display name, lower-cased address) pairs; entries without an address are dropped."""
    if not values:
        return []
    try:
        pairs = email.utils.getaddresses(values)
    except Exception:
        pairs = []
        for value in values:
            pairs.extend((None, m) for m in re.findall(r"[\w.+'=-]+@[\w.-]+\w", value))
    out = []
    for name, address in pairs:
        address = address.strip().strip("<>").strip()
        if "@" not in address:
            continue
        out.append(((name or "").strip() or None, address.lower()))
    return out


def _msgids(value: str) -> tuple[str, ...]:
    """Message-IDs as "<id@host>" strings, in order, without duplicates."""
    found = _MSGID.findall(value or "")
    if not found:
        bare = value.strip().split() if value else []
        found = [token.strip("<>,;") for token in bare if "@" in token]
    return tuple(dict.fromkeys(f"<{token}>" for token in found if token))


def _first_msgid(value: str | None) -> str | None:
    ids = _msgids(value or "")
    if ids:
        return ids[0]
    token = (value or "").strip()
    return f"<{token.strip('<>')}>" if token and " " not in token else None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except Exception:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_MIME_TYPE = re.compile(r"^[\w!#$&^.+-]+/[\w!#$&^.+-]+$")


def content_type_of(part: Message) -> str:
    """``part.get_content_type()`` without running the header registry's full parse each time
    (it dominated parsing time); the same rules: no or invalid header gives the default type."""
    try:
        raw = next((str(v) for k, v in part.raw_items() if k.lower() == "content-type"), None) \
            if hasattr(part, "raw_items") else part.get("Content-Type")
        if raw is None:
            return part.get_default_type()
        value = re.sub(r"\s+", "", str(raw).split(";", 1)[0]).lower()
        return value if _MIME_TYPE.match(value) else "text/plain"
    except Exception:
        return "text/plain"



# --- bodies and attachments ------------------------------------------------------------------

@dataclass
class _Body:
    plain: str = ""
    html: str | None = None
    plain_done: bool = False
    attachments: list[Attachment] = field(default_factory=list)


def _walk(part: Message, body: _Body, defects: list[str], *, top: bool) -> None:
    """Collect the first readable text/plain and text/html bodies and list the rest as
    attachments. Attached messages (message/rfc822) are attachments, not bodies."""
    content_type = content_type_of(part)
    try:
        children = part.get_payload() if part.is_multipart() else None
    except Exception:
        children = None
    if content_type.startswith("message/") and not top:
        body.attachments.append(_attachment(part, content_type, defects))
        return
    if isinstance(children, list):
        for child in children:
            if isinstance(child, Message):
                _walk(child, body, defects, top=False)
        return
    disposition = _disposition(part)
    filename = _filename(part)
    # A single-part message is its own body whatever it claims to be, unless it is binary.
    is_text = content_type in ("text/plain", "text/html") or (
        top and not content_type.startswith(("image/", "audio/", "video/", "application/"))
    )
    if is_text and disposition != "attachment" and not (filename and not top):
        text = _part_text(part, defects)
        # Apple Mail splits a body around inline images into several text parts: the client
        # shows them one after another, so they are joined.
        if content_type == "text/html":
            body.html = text if body.html is None else body.html + "\n" + text
        elif not body.plain_done:
            body.plain = text
            body.plain_done = True
        else:
            body.plain += "\n" + text
        return
    body.attachments.append(_attachment(part, content_type, defects, disposition, filename))


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            name = part.get_param("name")
            if isinstance(name, tuple):
                name = email.utils.collapse_rfc2231_value(name)
        except Exception:
            name = None
    return _fix_surrogates(str(name)).strip() if name else None


def _attachment(
    part: Message, content_type: str, defects: list[str], disposition: str | None = None, filename: str | None = None
) -> Attachment:
    if content_type.startswith("message/"):
        try:
            size = len(part.as_bytes())
        except Exception:
            size = 0
        return Attachment(filename or _filename(part) or None, content_type, size, disposition or _disposition(part),
                          _content_id(part))
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
        defects.append(f"undecodable {content_type} part")
    size = len(payload) if isinstance(payload, (bytes, bytearray)) else 0
    return Attachment(filename, content_type, size, disposition, _content_id(part))


def _content_id(part: Message) -> str | None:
    try:
        value = part.get("Content-ID")
    except Exception:
        return None
    return _first_msgid(str(value)) if value else None


def _part_text(part: Message, defects: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        try:
            payload = str(part.get_payload()).encode("utf-8", "surrogateescape")
        except Exception:
            defects.append("unreadable text part")
            return ""
    if len(payload) > MAX_TEXT_CHARS * 4:
        payload = payload[: MAX_TEXT_CHARS * 4]
        defects.append("text body truncated for reading")
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text, note = _decode_bytes(bytes(payload), charset)
    if note:
        defects.append(note)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        defects.append("text body truncated for reading")
    return text


def _decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode with the declared charset; when it is unknown or wrong, try UTF-8, then cp1252,
    and finally Latin-1, which decodes anything."""
    declared = _codec(charset)
    note = None
    if charset and declared is None:
        note = f"unknown charset {charset!r}"
    attempts = []
    if declared in _SINGLE_BYTE and not data.isascii():
        # UTF-8 labelled as Latin-1/cp125x is common; valid UTF-8 is almost never an accident.
        attempts.append("utf-8")
    if declared and declared != "ascii":
        attempts.append(declared)
    attempts += ["utf-8", "cp1252"]
    for codec in attempts:
        try:
            return data.decode(codec), note
        except (UnicodeDecodeError, LookupError):
            continue
    if declared and declared not in ("ascii", "utf-8", "cp1252"):
        return data.decode(declared, "replace"), note or f"text not valid in {charset!r}"
    return data.decode("latin-1"), note or "text not valid in its charset"


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    if not label:
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    return bool(sample) and len(_CONTROL.findall(sample)) > len(sample) * 0.1


def _all_defects(message: Message) -> list[str]:
    names: list[str] = []
    try:
        for part in message.walk():
            for defect in getattr(part, "defects", []) or []:
                name = type(defect).__name__
                if name not in names:
                    names.append(name)
    except Exception:
        names.append("structure unreadable")
    return names
