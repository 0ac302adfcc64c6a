"""Is this message from a person at all? Bounces, delivery reports, complaints and auto-replies.

Checked before any reading of intent, in this order:

1. Delivery status notifications (RFC 3464): a ``multipart/report; report-type=delivery-status``
   or any ``message/delivery-status`` part, read per recipient (Final-Recipient,
   Original-Recipient, Action, Status, Diagnostic-Code). Older MTAs send plain-text bounces
   from MAILER-DAEMON or postmaster (Exim, Gmail, Exchange): those are read from their wording,
   with Exim's X-Failed-Recipients header when present.
2. Abuse and opt-out feedback reports (RFC 5965, ``report-type=feedback-report``) and read
   receipts (RFC 8098, ``disposition-notification``).
3. Auto-replies (RFC 3834): ``Auto-Submitted`` other than ``no``, the X-Autoreply family,
   ``Precedence: auto_reply``, vacation headers, out-of-office subjects and wording; then bulk
   mail (``Precedence: bulk/junk/list``), which must not be answered either.

A bounce is hard when the address itself is wrong (RFC 3463 status 5.1.x: no such mailbox,
no such domain, moved) and soft otherwise (full mailbox, delays, policy and content blocks).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import Message

from handlers.email_in.parsing import ParsedEmail, content_type_of, parse_email

BOUNCE, DELIVERY_REPORT, COMPLAINT, RECEIPT, AUTO_REPLY, BULK, PERSONAL = (
    "bounce", "delivery_report", "complaint", "receipt", "auto_reply", "bulk", "personal",
)

_DAEMON_LOCALPARTS = frozenset(
    {"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "mail.daemon", "mdaemon", "bounce", "bounces",
     "mailerdaemon.bounce", "poostmaster"}
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status )?notification|delivery (has )?failed|delivery failure|"
    r"mail delivery (failed|system|subsystem)|returned mail|failure notice|could not send message|"
    r"non[- ]?deliver|nondeliverable|mail system error|delayed mail|delivery delayed|warning: could not send|"
    r"message not delivered|rejected:|unzustellbar|non remis|no entregado|non recapitato|onbestelbaar|"
    r"olevererbart|не доставлено|配信不能|退信|投递失败|mail failed|returning to sender",
    re.I,
)
_BOUNCE_WORDING = re.compile(
    r"could not be delivered|couldn't be delivered|was not delivered|delivery (to the following )?recipients? failed|"
    r"delivery to the following recipient|permanent (error|failure)|following address(es)? failed|"
    r"did not reach the following recipient|undeliverable|unable to deliver|message could not be sent|"
    r"returned to sender|user unknown|mailbox unavailable|no such user|recipient address rejected|"
    r"delivery has failed|has been delayed|will retry|still being retried|delivery attempts|"
    r"the following message to .* was undeliverable|failed permanently|failed addresses|no valid recipients|"
    r"returning to sender",
    re.I,
)
_ORIGINAL_STARTS = re.compile(
    r"^(?:-{2,}.*(?:copy of the message|original message|undelivered message|returned message|message headers|"
    r"below this line|message text follows).*|Original message headers:|[- ]*Original message follows[- ]*|Received: .*|"
    r"Return-Path: .*|Content-Type: message/rfc822.*)$",
    re.I | re.M,
)
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SMTP_CODE = re.compile(r"(?<![\d.])([45]\d\d)(?=[ \-]|$)(?![\d.])", re.M)
_ADDRESS = re.compile(r"[\w.+'=/-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:re:\s*)?(?:auto(?:matic|matische|matisk|mated)?[\s_-]*(?:reply|response|antwort|answer|svar|repl)|"
    r"out of (?:the )?office|ooo\b|away from (?:the )?office|on vacation|on leave|vacation (?:reply|notice)|"
    r"abwesenheit|automatische antwort|réponse automatique|reponse automatique|absence|absent du bureau|"
    r"respuesta automática|respuesta automatica|fuera de la oficina|risposta automatica|fuori sede|"
    r"automatisch antwoord|afwezig|autosvar|frånvaro|fraværende|poza biurem|automatyczna odpowiedź|"
    r"resposta automática|ausência|автоматический ответ|автоответ|вне офиса|自動応答|自動返信|自动回复|"
    r"자동 응답|otomatik yanıt)",
    re.I,
)
_AUTO_WORDING = re.compile(
    r"\b(?:this is an? auto(?:matic|mated)?[\s-]*(?:reply|response|generated)|"
    r"i am (?:currently )?(?:out of (?:the )?office|away from (?:the )?office|on (?:annual )?leave|on vacation)|"
    r"i'm (?:currently )?(?:out of (?:the )?office|away from (?:the )?office|on (?:annual )?leave|on vacation)|"
    r"i will be out of (?:the )?office|i will respond (?:to (?:you|your (?:e-?mail|message)) )?(?:up)?on my return|"
    r"limited access to (?:my )?e-?mail|ich bin (?:derzeit |bis .{1,30} )?nicht im büro|"
    r"je suis (?:actuellement )?absent|estoy fuera de la oficina|sono fuori ufficio)",
    re.I,
)
_HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})

# Diagnostic wording to a coarse reason, first match wins (after sisimai's reason names).
_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("hasmoved", r"has been moved|has moved|address changed|no longer (at|with)"),
        ("mailboxfull", r"mailbox (is )?full|over ?quota|quota exceeded|exceeded (the )?(storage|quota)|insufficient "
                        r"(storage|disk)|out of storage|mailbox has exceeded|not enough (storage|space)|"
                        r"disk full|user is over|full mailbox"),
        ("mesgtoobig", r"message (is )?too (big|large)|exceeds (the )?(maximum )?(message )?size|size limit"),
        ("hostunknown", r"host (or domain name )?(not found|unknown)|domain (name )?not found|no such domain|"
                        r"unrouteable (mail )?domain|name service error|domain does not exist|nxdomain|"
                        r"unknown host|no mx|null mx|domain is not reachable|domain (is )?unreachable|unable to resolve"),
        ("rejected", r"sender (address )?rejected|sender verify failed|domain of sender|invalid sender"),
        ("userunknown", r"user unknown|unknown user|no such (user|mailbox|recipient|account)|(mailbox|recipient|"
                        r"user|address|account) (does not|doesn't) exist|does not exist|invalid (recipient|mailbox|"
                        r"address)|unknown (recipient|mailbox|address)|recipient (address )?rejected|"
                        r"mailbox (not found|unavailable|does not exist)|not our customer|no mailbox|"
                        r"address rejected|user not found|recipient not found|unrouteable address|"
                        r"no longer (valid|active)|account (has been )?(disabled|deactivated)|"
                        r"undeliverable address"),
        ("expired", r"retry time(out)? (not )?(reached|exceeded)|delivery time expired|message expired|"
                    r"could not be delivered (for|within)|giving up|will retry|still being retried|"
                    r"has been delayed|delivery is delayed|timeout exceeded|expired"),
        ("networkerror", r"connection (timed out|refused|reset)|network is unreachable|routing loop|"
                         r"too many hops|hop count|no route to host"),
        ("toomanyconn", r"too many (connections|concurrent)"),
        ("securityerror", r"\bspf\b|\bdkim\b|\bdmarc\b|authentication (required|failed)|tls required|"
                          r"encryption required|unauthenticated"),
        ("spamdetected", r"\bspam\b|junk mail|content rejected|bulk e?-?mail"),
        ("blocked", r"blocked|black ?list|block ?list|\brbl\b|dnsbl|spamhaus|listed (at|in|on)|reputation|"
                    r"client host .* rejected|not allowed to send"),
        ("policyviolation", r"policy|prohibited|not permitted|banned"),
        ("filtered", r"filter|refused by recipient|rejected by recipient|recipient rejected your message"),
        ("syntaxerror", r"syntax error|command unrecognized|bad sequence"),
        ("systemerror", r"system (error|failure)|internal error|server error|local error|i/o error"),
    )
)


@dataclass(frozen=True)
class FailedRecipient:
    address: str | None
    original_address: str | None
    action: str            # failed | delayed | delivered | relayed | expanded, as in RFC 3464 section 2.3.3
    status: str            # RFC 3463 enhanced status code, e.g. "5.1.1"; "" when none was given
    smtp_code: str         # the remote server's reply code, e.g. "550"; "" when none was given
    diagnostic: str
    reason: str            # userunknown, hostunknown, mailboxfull, expired, blocked, … or "undefined"

    @property
    def hard(self) -> bool:
        """The address itself is wrong: sending again cannot succeed."""
        return self.action == "failed" and self.reason in _HARD_REASONS


@dataclass(frozen=True)
class Classification:
    kind: str  # bounce, delivery_report, complaint, receipt, auto_reply, bulk, personal
    recipients: tuple[FailedRecipient, ...] = ()
    evidence: tuple[str, ...] = ()  # why, for logs and audit
    original_message_id: str | None = None  # the Message-ID of the message that bounced
    feedback_type: str | None = None  # abuse, opt-out, … for complaints (RFC 5965)

    @property
    def is_automatic(self) -> bool:
        """Nothing must ever be sent back to this message (RFC 3834 section 2)."""
        return self.kind != PERSONAL

    @property
    def hard_bounce(self) -> bool:
        return self.kind == BOUNCE and any(r.hard for r in self.recipients)

    @property
    def bounced_addresses(self) -> tuple[str, ...]:
        """Addresses that failed for good (not merely delayed)."""
        return tuple(r.address for r in self.recipients if r.action == "failed" and r.address)


def classify_bytes(raw: bytes) -> Classification:
    return classify(parse_email(raw))


def classify(parsed: ParsedEmail) -> Classification:
    """What kind of message this is. Never raises."""
    try:
        return _classify(parsed)
    except Exception as exc:  # a hostile message must not stop the pipeline; treat it as personal
        return Classification(PERSONAL, evidence=(f"classification failed ({type(exc).__name__})",))


def _classify(parsed: ParsedEmail) -> Classification:
    message = parsed.message
    parts = list(_leaf_and_message_parts(message)) if message is not None else []
    report_type = _report_type(message)
    types = {ctype for ctype, _ in parts}

    if report_type == "feedback-report" or "message/feedback-report" in types:
        return _complaint(parsed, parts)
    if report_type == "delivery-status" or "message/delivery-status" in types or "message/global-delivery-status" in types:
        recipients = _dsn_recipients(parts)
        if recipients:
            return _bounce_or_report(parsed, parts, recipients, ("DSN (RFC 3464)",))
    if report_type == "disposition-notification" or "message/disposition-notification" in types:
        return Classification(RECEIPT, evidence=("disposition notification (RFC 8098)",))

    sns = _sns_bounce(parsed)
    if sns:
        return sns
    if _from_mail_system(parsed) or (
        _BOUNCE_SUBJECT.search(parsed.subject) and parsed.return_path is None and _null_return_path(parsed)
    ):
        recipients = _text_bounce_recipients(parsed, parts)
        if recipients:
            return _bounce_or_report(parsed, parts, recipients, ("delivery failure from the mail system",))
    auto = _auto_reply_evidence(parsed)
    if auto:
        return Classification(AUTO_REPLY, evidence=tuple(auto))
    precedence = (parsed.header("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        # RFC 3834 section 3.1.8: never answer these either, but they are not auto-replies.
        return Classification(BULK, evidence=(f"Precedence: {precedence}",))
    return Classification(PERSONAL)


# --- MIME helpers ----------------------------------------------------------------------------

def _leaf_and_message_parts(message: Message):  # noqa: ANN202
    """(content type, part) for every part, not descending into message/* parts."""
    stack = [message]
    while stack:
        part = stack.pop(0)
        ctype = content_type_of(part)
        yield ctype, part
        if ctype.startswith("multipart/"):
            try:
                children = part.get_payload()
            except Exception:
                children = []
            if isinstance(children, list):
                stack[0:0] = [c for c in children if isinstance(c, Message)]


def _report_type(message: Message | None) -> str | None:
    if message is None:
        return None
    try:
        if content_type_of(message) != "multipart/report":
            return None
        value = message.get_param("report-type")
    except Exception:
        return None
    return str(value).strip().lower() if value else None


def _part_text(part: Message) -> str:
    """Text of a part, including message/* parts whose payload the parser split into blocks."""
    try:
        payload = part.get_payload()
    except Exception:
        return ""
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                try:
                    items = list(block.raw_items()) if hasattr(block, "raw_items") else list(block.items())
                except Exception:
                    items = []
                lines = [f"{k}: {_unfold(str(v))}" for k, v in items]
                try:
                    body = block.get_payload()
                except Exception:
                    body = ""
                if isinstance(body, str) and body.strip():
                    lines.append(body)
                blocks.append("\n".join(lines))
        return "\n\n".join(blocks)
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("utf-8", "replace")
    return str(payload)


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()


# --- delivery status notifications ------------------------------------------------------------

def _dsn_recipients(parts: list[tuple[str, Message]]) -> list[FailedRecipient]:
    recipients: list[FailedRecipient] = []
    for ctype, part in parts:
        if ctype not in ("message/delivery-status", "message/global-delivery-status"):
            continue
        text = _part_text(part)
        for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
            fields = _fields(block)
            final = fields.get("final-recipient") or fields.get("original-recipient")
            if not final and "action" not in fields:
                continue
            diagnostic = fields.get("diagnostic-code", "")
            status = _status(fields.get("status", "")) or _status(diagnostic)
            recipients.append(_recipient(
                _address(final), _address(fields.get("original-recipient", "")), _action(fields.get("action", ""), status),
                status, diagnostic,
            ))
    return recipients


def _action(value: str, status: str) -> str:
    """RFC 3464 section 2.3.3 actions; non-standard words some MTAs write ("expired",
    "bounced") mean failed."""
    word = (value.strip().lower().split() or [""])[0].strip(";,.")
    if word in ("failed", "delayed", "delivered", "relayed", "expanded"):
        return word
    if word.startswith("deliver") or status.startswith("2"):
        return "delivered"
    if word:
        return "delayed" if word.startswith(("delay", "defer", "retry")) else "failed"
    if status.startswith("2"):
        return "delivered"
    return "delayed" if status.startswith("4") else "failed"


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    name = None
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and name:
            fields[name] += " " + line.strip()
            continue
        match = re.match(r"^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$", line)
        if match:
            name = match.group(1).lower()
            fields.setdefault(name, match.group(2).strip())
        else:
            name = None
    return fields


def _address(value: str) -> str | None:
    """The address of a DSN recipient field ("rfc822; someone@example.com")."""
    if not value:
        return None
    value = value.split(";", 1)[1] if ";" in value else value
    match = _ADDRESS.search(value)
    return match.group(0).lower().strip(".") if match else None


def _status(text: str) -> str:
    match = _STATUS.search(text or "")
    return ".".join(match.groups()) if match else ""


def _smtp_code(text: str) -> str:
    match = _SMTP_CODE.search(text or "")
    return match.group(1) if match else ""


def _reason(status: str, diagnostic: str, action: str) -> str:
    for name, pattern in _REASONS:
        if pattern.search(diagnostic or ""):
            if name == "expired" and action == "failed" and status.startswith("5.1"):
                continue
            return name
    by_status = {
        "5.1.1": "userunknown", "5.1.0": "userunknown", "5.1.10": "userunknown", "4.1.1": "userunknown",
        "5.1.2": "hostunknown", "5.4.4": "hostunknown", "5.1.6": "hasmoved",
        "5.2.2": "mailboxfull", "4.2.2": "mailboxfull", "5.2.3": "mesgtoobig", "5.3.4": "mesgtoobig",
        "4.4.7": "expired", "5.4.7": "expired", "4.4.1": "networkerror", "4.4.2": "networkerror",
        "5.4.6": "networkerror", "4.3.2": "toomanyconn", "5.7.1": "securityerror", "5.7.26": "securityerror",
        "5.1.7": "rejected", "5.1.8": "rejected", "5.5.0": "syntaxerror", "5.2.1": "suspend",
    }
    if status in by_status:
        return by_status[status]
    if action == "delayed":
        return "expired"
    return "undefined"


def _recipient(address: str | None, original: str | None, action: str, status: str, diagnostic: str) -> FailedRecipient:
    diagnostic = _unfold(diagnostic)
    if diagnostic.lower().startswith(("smtp;", "x-postfix;", "x-unix;", "x-local;")):
        diagnostic = diagnostic.split(";", 1)[1].strip()
    action = action or ("delayed" if status.startswith("4") else "failed")
    return FailedRecipient(
        address=address,
        original_address=original,
        action=action,
        status=status,
        smtp_code=_smtp_code(diagnostic),
        diagnostic=diagnostic[:1000],
        reason=_reason(status, diagnostic, action),
    )


def _bounce_or_report(
    parsed: ParsedEmail, parts: list[tuple[str, Message]], recipients: list[FailedRecipient], evidence: tuple[str, ...]
) -> Classification:
    failed = [r for r in recipients if r.action in ("failed", "delayed")]
    kind = BOUNCE if failed or not recipients else DELIVERY_REPORT
    return Classification(
        kind,
        recipients=tuple(recipients),
        evidence=evidence,
        original_message_id=_original_message_id(parts),
    )


def _original_message_id(parts: list[tuple[str, Message]]) -> str | None:
    for ctype, part in parts:
        if ctype in ("message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers"):
            match = re.search(r"^Message-ID:\s*(<[^>\s]+>)", _part_text(part), re.I | re.M)
            if not match and ctype.startswith("message/"):
                try:
                    inner = part.get_payload(0)
                    value = inner.get("Message-ID") if isinstance(inner, Message) else None
                except Exception:
                    value = None
                match = re.search(r"<[^>\s]+>", str(value or ""))
                if match:
                    return match.group(0)
            if match:
                return match.group(1)
    return None


# --- plain-text bounces from older MTAs -------------------------------------------------------

def _from_mail_system(parsed: ParsedEmail) -> bool:
    address = (parsed.from_address or "").split("@")[0]
    if address in _DAEMON_LOCALPARTS:
        return True
    if parsed.header("X-Failed-Recipients"):
        return True
    name = (parsed.from_name or "").lower()
    return "mail delivery" in name or "mailer-daemon" in name or "postmaster" in name


def _null_return_path(parsed: ParsedEmail) -> bool:
    return any(v.strip() in ("<>", "") for v in parsed.header_all("Return-Path"))


def _text_bounce_recipients(parsed: ParsedEmail, parts: list[tuple[str, Message]]) -> list[FailedRecipient]:
    text = parsed.text or ""
    if not (_BOUNCE_WORDING.search(text) or _BOUNCE_SUBJECT.search(parsed.subject)):
        return []
    report = _ORIGINAL_STARTS.split(text, maxsplit=1)[0] if _ORIGINAL_STARTS.search(text) else text
    report = report[:20000]
    delayed = bool(re.search(r"delay|will retry|still being retried|temporar", parsed.subject + " " + report[:2000], re.I))
    own = {a for a in (*parsed.to, parsed.from_address, parsed.return_path) if a}
    failed_header = [a.strip().lower() for v in parsed.header_all("X-Failed-Recipients") for a in v.split(",")]
    addresses = [a for a in failed_header if "@" in a]
    if not addresses:
        for match in _ADDRESS.finditer(report):
            address = match.group(0).lower().strip(".")
            local = address.split("@")[0]
            if address in own or local in _DAEMON_LOCALPARTS or address in addresses:
                continue
            addresses.append(address)
    if not addresses:
        return []
    recipients = []
    for address in addresses[:20]:
        around = _context(report, address)
        status = _status(around) or _status(report)
        action = "delayed" if delayed and not status.startswith("5") else "failed"
        diagnostic = around.strip()
        recipients.append(_recipient(address, None, action, status, diagnostic))
    return recipients


def _context(report: str, address: str) -> str:
    """The lines about one recipient: from its address to the next blank-line gap or address."""
    index = report.lower().find(address)
    if index < 0:
        return report[:1500]
    tail = report[index: index + 1500]
    # The diagnostic often follows after an empty line (Gmail), so take two paragraphs.
    paragraphs = re.split(r"\n\s*\n", tail)
    return "\n".join(paragraphs[:4])


def _sns_bounce(parsed: ParsedEmail) -> Classification | None:
    """Amazon SES bounce notifications delivered by SNS as JSON in the body."""
    text = (parsed.text or "").strip()
    if '"notificationType"' not in text or "bounce" not in text.lower():
        return None
    start = text.find("{")
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:])
    except (ValueError, TypeError):
        data = _sns_fields(text)
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("Message"), str):
        try:
            data = json.loads(data["Message"])
        except ValueError:
            return None
    if str(data.get("notificationType", "")).lower() != "bounce":
        return None
    bounce = data.get("bounce") or {}
    permanent = str(bounce.get("bounceType", "")).lower() == "permanent"
    recipients = []
    for entry in bounce.get("bouncedRecipients") or []:
        if not isinstance(entry, dict):
            continue
        status = _status(str(entry.get("status", "")))
        diagnostic = str(entry.get("diagnosticCode", ""))
        action = str(entry.get("action") or ("failed" if permanent else "delayed")).lower()
        recipients.append(_recipient(_address(str(entry.get("emailAddress", ""))), None, action, status, diagnostic))
    if not recipients:
        return None
    mail = data.get("mail") or {}
    msgid = mail.get("messageId")
    return Classification(
        BOUNCE, recipients=tuple(recipients), evidence=("Amazon SES bounce notification",),
        original_message_id=f"<{msgid}>" if msgid and "@" in str(msgid) else None,
    )


def _sns_fields(text: str) -> dict:
    """The bounce fields of an SES notification whose JSON was damaged in transit (wrapped lines)."""
    def values(name: str) -> list[str]:
        return re.findall(r'"%s"\s*:\s*"([^"]*)"' % name, text)

    addresses = values("emailAddress")
    statuses, diagnostics, actions = values("status"), values("diagnosticCode"), values("action")
    return {
        "notificationType": (values("notificationType") or [""])[0],
        "bounce": {
            "bounceType": (values("bounceType") or [""])[0],
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "status": statuses[i] if i < len(statuses) else "",
                    "diagnosticCode": diagnostics[i] if i < len(diagnostics) else "",
                    "action": actions[i] if i < len(actions) else "",
                }
                for i, address in enumerate(addresses)
            ],
        },
    }


# --- complaints ------------------------------------------------------------------------------

def _complaint(parsed: ParsedEmail, parts: list[tuple[str, Message]]) -> Classification:
    feedback_type = None
    for ctype, part in parts:
        if ctype == "message/feedback-report":
            fields = _fields(_part_text(part))
            feedback_type = (fields.get("feedback-type") or "").strip().lower() or None
            break
    return Classification(
        COMPLAINT,
        evidence=("feedback report (RFC 5965)",),
        original_message_id=_original_message_id(parts),
        feedback_type=feedback_type,
    )


# --- auto-replies ----------------------------------------------------------------------------

def _auto_reply_evidence(parsed: ParsedEmail) -> list[str]:
    evidence = []
    auto_submitted = (parsed.header("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        evidence.append(f"Auto-Submitted: {auto_submitted}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-Vacation", "X-Autogenerated"):
        value = parsed.header(name)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            evidence.append(f"{name}: {value.strip()}")
    precedence = (parsed.header("Precedence") or "").strip().lower()
    if precedence in ("auto_reply", "auto-reply"):
        evidence.append(f"Precedence: {precedence}")
    suppress = (parsed.header("X-Auto-Response-Suppress") or "").lower()
    if "oof" in suppress or suppress.strip() == "all":
        if _AUTO_SUBJECT.search(parsed.subject):
            evidence.append("Exchange auto-reply")
    apple = (parsed.header("X-Apple-Action") or "").lower()
    if "vacation" in apple:
        evidence.append("X-Apple-Action: vacation")
    if _AUTO_SUBJECT.search(parsed.subject):
        evidence.append(f"subject: {parsed.subject[:80]}")
    if not evidence and _AUTO_WORDING.search((parsed.visible_text or "")[:1500]):
        evidence.append("out-of-office wording")
    return evidence
