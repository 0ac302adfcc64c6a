"""Line patterns that mail clients write around quoted history, in several languages.

Each pattern recognises one line (or a few lines joined by single spaces) that a client adds
when it replies or forwards: the attribution ("On <date>, <who> wrote:"), the Outlook header
block ("From: … Sent: … To: … Subject:"), "-----Original Message-----" separators, forward
markers and device signatures ("Sent from my iPhone"). The wording comes from what Gmail,
Outlook, Apple Mail, Thunderbird, Yahoo, AOL, mail.ru, Yandex and mobile clients produce in
their localised versions.
"""
from __future__ import annotations

import re

# --- attribution lines: "On <date>, <someone> wrote:" ------------------------------------------

# Words that open an attribution line, followed by the date (case-sensitive: "On", not "on").
_INTRO = (
    "On", "At", "In message",                       # English
    "Le",                                           # French
    "Am",                                           # German
    "El", "El día",                                 # Spanish
    "Il",                                           # Italian
    "Em",                                           # Portuguese
    "Op",                                           # Dutch
    "W dniu", "Dnia", "Dňa",                        # Polish, Slovak
    "Dne",                                          # Czech
    "Den", "På", "Kl.",                             # Danish, Norwegian, Swedish
    "Vào",                                          # Vietnamese
    "Pada",                                         # Indonesian
    "No dia", "Il giorno", "In data",               # Portuguese, Italian (Apple Mail)
    "Pe", "În",                                     # Romanian
    "Στις",                                         # Greek
    "В",                                            # Russian ("В пятницу, … написал:")
    "在",                                           # Chinese
)

# Verbs that close an attribution line ("wrote", "a écrit", "schrieb", …).
_WROTE = (
    r"wrote", r"writes", r"sent", r"said",
    r"a\s+écrit", r"écrit", r"a\s+ecrit",
    r"schrieb", r"geschrieben", r"schreef", r"verzond", r"het\s+volgende\s+geschreven",
    r"escribió", r"escribio", r"ha\s+scritto", r"scritto", r"escreveu", r"escrito", r"escribiu",
    r"ha\s+escrit", r"va\s+escriure", r"a\s+scris",
    r"napisał\(a\)", r"napisała", r"napisał", r"pisze", r"napsal\(a\)", r"napsala", r"napsal",
    r"skrev", r"kirjoitti", r"kirjutas", r"írta", r"yazdı", r"şunları\s+yazdı", r"şunu\s+yazdı",
    r"napísal\(a\)", r"napísala", r"napísal", r"je\s+napisao\(la\)", r"je\s+napisala", r"je\s+napisao",
    r"je\s+napisal\(a\)", r"je\s+napisal", r"rašė", r"rakstīja",
    r"написал\(а\)", r"написала", r"написал", r"написав\(ла\)", r"написав", r"пише", r"писал",
    r"đã\s+viết", r"menulis", r"έγραψε", r"כתב", r"כתבה", r"كتب",
)
# Scripts without spaces between words: no word boundary before the verb.
_WROTE_CJK = (r"写道", r"寫道", r"작성", r"のメッセージ", r"のメール", r"さんは書きました", r"は書きました", r"เขียนว่า", r"เขียน")

INTRO_RE = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_INTRO, key=len, reverse=True))
WROTE_RE = (
    r"(?:(?<!\w)(?:" + "|".join(sorted(_WROTE, key=len, reverse=True)) + r")(?!\w)|"
    + "|".join(_WROTE_CJK) + r")"
)

EMAIL_RE = r"[\w.+'=-]+@[\w-]+(?:\.[\w-]+)+"

# Leading decoration some clients put around the attribution ("---", "> ", "*").
_LEAD = r"^[\s>*\-]*"
_TAIL = r"[\s:：.*\-]*$"

# "On Tue, Apr 29, 2014 at 4:22 PM, Someone <someone@example.com> wrote:"
ON_DATE_WROTE = re.compile(
    _LEAD + r"(?:" + INTRO_RE + r")\s.{2,400}?(?i:" + WROTE_RE + r")(?:\s*\([^)]{0,40}\))?" + _TAIL,
    re.UNICODE,
)
# The intro word must be capitalised as a client writes it ("On", not "on").
INTRO_START = re.compile(_LEAD + r"(?:" + INTRO_RE + r")\s", re.UNICODE)

# "Am 18.09.2013 um 16:24 schrieb Someone <someone@example.com>:" — the verb comes before the name.
ON_DATE_WROTE_SOMEONE = re.compile(
    _LEAD + r"(?:Op|Am|Den|søn\.|man\.|tir\.|ons\.|tor\.|fre\.|lør\.|På)\s.{2,200}?\s(?:schreef|schrieb|skrev|verzond)\s.{1,200}:" + r"\s*$",
    re.UNICODE,
)

# "Someone <someone@example.com> wrote:" or "Sent from Samsung Mobile Someone <x@y> wrote:"
SOMEONE_EMAIL_WROTE = re.compile(
    r"^[\s>*\-]*.{0,200}?[<(\[]?\s*" + EMAIL_RE + r"\s*[>)\]]?.{0,120}?" + WROTE_RE + _TAIL,
    re.IGNORECASE | re.UNICODE,
)

# "Someone <x@y> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:" / "Someone wrote on <date>:"
SOMEONE_WROTE_ON_DATE = re.compile(
    r"^[\s>*\-]*.{1,150}?\s(?:wrote\s+on|schrieb\s+am|a\s+écrit\s+le|escribió\s+el)\s.{3,150}:\s*$",
    re.IGNORECASE | re.UNICODE,
)

# "---- Someone wrote ----" (Android) and "Someone wrote:" when a quote follows at once.
DASHED_SOMEONE_WROTE = re.compile(
    r"^\s*-{2,}\s*.{1,120}?\s" + WROTE_RE + r"\s*:?\s*-{2,}\s*$", re.IGNORECASE | re.UNICODE
)
SOMEONE_WROTE = re.compile(
    r"^[\s*]*[^\s>].{0,120}?" + WROTE_RE + r"\s*[:：]\s*$", re.IGNORECASE | re.UNICODE
)

# A date or a time somewhere in the line: 2014-10-17, 04/19/2011, 26.06.2014, 11:28, "3 Jan 2014".
DATE_OR_TIME = re.compile(
    r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s+\w{3,12}\.?,?\s+\d{4}\b|\b\d{4}年",
    re.UNICODE,
)

# A calendar day ("2023-01-17", "17.01.2023", "3 Jan 2014", "November 17, 2021", "2016年11月8日")
# and a clock time ("11:09", "3:32 PM") — both appear in every client's attribution line.
DAY = re.compile(
    r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\b\d{1,2}\.?\s+[^\W\d_]{3,12}\.?,?\s+\d{4}\b"
    r"|\b[^\W\d_]{3,12}\.?\s+\d{1,2},?\s+\d{4}\b|\d{4}年\s*\d{1,2}月",
    re.UNICODE,
)
CLOCK_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?!\d|:\d)")

# Attribution lines that start with the date and end with the address:
# "2014-10-17 11:28 GMT+03:00 Bob <bob@example.com>:", "26.06.2014, 14:41, "Bob" <bob@example.com>:",
# "Thu, 26 Jun 2014 14:00:51 +0400 от Bob <bob@example.com>:",
# "02.04.2012 14:20 пользователь "bob@example.com" <bob@example.com> написал:".
DATE_FIRST_ATTRIBUTION = re.compile(
    r"^[\s>*\-]*(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\w{2,12}\.?,\s+\d{1,2}\s+\w{2,12}\.?\s+\d{4}|\d{1,2}\s+\w{2,12}\.?\s+\d{4})"
    r".{0,250}?(?:[<(\[]\s*" + EMAIL_RE + r"\s*[>)\]]|" + EMAIL_RE + r")\s*(?:" + WROTE_RE + r"\s*)?[:：]\s*$",
    re.IGNORECASE | re.UNICODE,
)

# --- "-----Original Message-----" and forward markers ----------------------------------------

_ORIGINAL = (
    "Original Message", "Reply Message", "Original Email",
    "Ursprüngliche Nachricht", "Originalnachricht", "Antwort Nachricht",
    "Message d'origine", "Message original", "Mensaje original", "Messaggio originale",
    "Mensagem original", "Oorspronkelijk bericht", "Origineel bericht", "Oprindelig meddelelse",
    "Opprinnelig melding", "Ursprungligt meddelande", "Alkuperäinen viesti", "Původní zpráva",
    "Pôvodná správa", "Oryginalna wiadomość", "Wiadomość oryginalna", "Eredeti üzenet",
    "Oprindelig besked", "Original besked", "Originalmeldung", "Originale Nachricht", "Mesaj original",
    "Původní e-mail", "Pôvodný e-mail", "Izvorna poruka", "Originalna poruka", "Eredeti levél",
    "Исходное сообщение", "Оригинальное сообщение", "Orijinal Mesaj", "Αρχικό μήνυμα",
    "原始邮件", "原始郵件", "元のメッセージ", "원본 메시지", "Tin nhắn gốc",
)
ORIGINAL_MESSAGE = re.compile(
    r"^[\s>*]*[-=_]{2,}\s*(?:" + "|".join(re.escape(w) for w in _ORIGINAL) + r")\s*[-=_]{2,}[\s*]*$",
    re.IGNORECASE | re.UNICODE,
)

_FORWARDED = (
    "Forwarded message", "Forwarded Message", "Forwarded e-mail", "Weitergeleitete Nachricht",
    "Message transféré", "Mensaje reenviado", "Messaggio inoltrato", "Mensagem encaminhada",
    "Doorgestuurd bericht", "Videresendt meddelelse", "Videresendt melding",
    "Vidarebefordrat meddelande", "Välitetty viesti", "Přeposlaná zpráva",
    "Wiadomość przekazana dalej", "Przekazana wiadomość", "Továbbított üzenet", "Пересылаемое сообщение",
    "Пересланное сообщение", "Переслане повідомлення", "Препратено съобщение", "İletilen ileti",
    "Mensagem reencaminhada", "Videresendt besked", "Mesaj redirecționat", "Προωθημένο μήνυμα",
    "Proslijeđena poruka", "Thư được chuyển tiếp", "Pesan yang diteruskan", "הודעה שהועברה",
    "转发的邮件", "転送されたメッセージ", "전달된 메시지",
)
FORWARDED = re.compile(
    r"^[\s>*]*(?:[-=_]{2,}\s*(?:" + "|".join(re.escape(w) for w in _FORWARDED) + r")\s*[-=_]{2,}"
    r"|(?:Begin forwarded message|Début du message réexpédié|Début du message transféré"
    r"|Anfang der weitergeleiteten Nachricht|Inizio messaggio inoltrato|Comienzo del mensaje reenviado"
    r"|Início da mensagem reencaminhada|Begin doorgestuurd bericht|Inicio del mensaje reenviado"
    r"|Början av vidarebefordrat meddelande|Vidarebefordrat brev|Start på videresendt besked"
    r"|Начало переадресованного сообщения|Początek przekazywanej wiadomości|Forwarded message)\s*[:：])[\s*]*$",
    re.IGNORECASE | re.UNICODE,
)

# --- Outlook-style header blocks: "From: … / Sent: … / To: … / Subject: …" --------------------

HEADER_KEYS: dict[str, tuple[str, ...]] = {
    "from": (
        "From", "Von", "De", "Da", "Van", "Fra", "Från", "Od", "От", "Від", "Kimden", "Gönderen",
        "Lähettäjä", "Feladó", "Expéditeur", "Remitente", "Mittente", "Afzender", "Avsändare",
        "Afsender", "Nadawca", "Odesílatel", "De la", "Šalje", "Nuo", "Saatja", "Από", "Từ", "Dari", "Pengirim",
        "מאת", "من", "จาก",
        "发件人", "寄件者", "差出人", "보낸 사람",
    ),
    "date": (
        "Date", "Sent", "Datum", "Gesendet", "Envoyé", "Envoyé le", "Message du", "Enviado", "Enviada",
        "Enviado el", "Enviada em", "Fecha", "Data", "Inviato", "Verzonden", "Sendt", "Dato", "Skickat",
        "Wysłano", "Wysłane", "Отправлено", "Дата", "Надіслано", "Odesláno", "Lähetetty", "Päivämäärä",
        "Elküldve", "Dátum", "Trimis", "Gönderildi", "Tarih", "Изпратено", "Poslano", "Poslato", "Išsiųsta",
        "Saadetud", "Enviat", "Στάλθηκε", "Ημερομηνία", "Ngày", "Tanggal", "נשלח", "תאריך", "تاريخ الإرسال", "التاريخ",
        "发送时间", "日期", "送信日時", "日時", "보낸 날짜",
    ),
    "to": (
        "To", "An", "À", "A", "Pour", "Para", "Aan", "Til", "Till", "Do", "Кому", "Komu", "Kime", "Alıcı",
        "Vastaanottaja", "Címzett", "Destinataire", "Destinatario", "Adresat", "Mottagare", "Modtager",
        "Mottaker", "Către", "Pentru", "Prima", "Kam", "Adressaat", "Per a", "Προς", "Đến", "Kepada",
        "אל", "إلى", "ถึง",
        "收件人", "宛先", "받는 사람",
    ),
    "cc": (
        "Cc", "CC", "Kopie", "Copie", "Copie à", "Copia", "Kopia", "Kopia do", "DW", "Копия", "Kopio",
        "Másolat", "Bilgi", "抄送", "참조",
    ),
    "subject": (
        "Subject", "Betreff", "Objet", "Sujet", "Asunto", "Oggetto", "Assunto", "Onderwerp", "Emne",
        "Ämne", "Temat", "Тема", "Předmět", "Predmet", "Aihe", "Tárgy", "Konu", "Subiect", "Θέμα",
        "Относно", "Zadeva", "Teema", "Assumpte", "Chủ đề", "Subjek", "Perihal", "נושא", "الموضوع", "เรื่อง",
        "主题", "主旨", "件名", "제목",
    ),
    "reply-to": ("Reply-To", "Antwort an", "Répondre à", "Responder a", "Rispondi a", "Beantwoorden - Aan"),
}
_KEY_TO_KIND = {key.casefold(): kind for kind, keys in HEADER_KEYS.items() for key in keys}
HEADER_LINE = re.compile(
    r"^[\s>]*\*{0,2}\s*(?P<key>"
    + "|".join(re.escape(k).replace(r"\ ", r"\s") for k in sorted(_KEY_TO_KIND, key=len, reverse=True))
    + r")\s*\*{0,2}\s*[:：]\s*\*{0,2}(?P<value>.*)$",
    re.IGNORECASE | re.UNICODE,
)


# Several headers run together on one line, as HTML turns "<b>From: x</b> <b>Date: y</b>" into text
# (some webmails glue the next header to the previous value: "Subject: x 13:46From: y To:").
_INLINE_HEADER = re.compile(
    r"(?:^|\s|(?<=\d))\*{0,2}(?P<key>"
    + "|".join(
        re.escape(k).replace(r"\ ", r"\s")
        for k in sorted({k for keys in HEADER_KEYS.values() for k in keys}, key=len, reverse=True)
        if len(k) > 2
    )
    + r")\*{0,2}\s?[:：](?:\s|$)",
    re.UNICODE,
)


def inline_header_kinds(value: str) -> set[str]:
    """Kinds of further headers written inside a header's value (keys as clients capitalise them)."""
    kinds = set()
    for match in _INLINE_HEADER.finditer(value):
        key = re.sub(r"\s+", " ", match.group("key"))
        if key[:1].isupper():
            kinds.add(_KEY_TO_KIND[key.casefold()])
    return kinds


def header_kind(line: str) -> str | None:
    """"from", "date", "to", "cc", "subject" or "reply-to" when the line is a quoted header."""
    match = HEADER_LINE.match(line)
    if not match:
        return None
    return _KEY_TO_KIND.get(re.sub(r"\s+", " ", match.group("key")).casefold())


# --- separators and signatures --------------------------------------------------------------

# A line of dashes/underscores/equals that Outlook and webmail put above a header block.
SEPARATOR = re.compile(r"^[\s>*]*(?:[-_=—–]\s*){3,}[\s*]*$")
# A title between dashes ("-------- Oprindelig besked --------") in any language: right above a
# header block it is that block's separator.
DASHED_TITLE = re.compile(r"^[\s>*]*[-=_]{2,}\s*[^-=_\s][^-=_]{0,60}?\s*[-=_]{2,}[\s*]*$", re.UNICODE)

# RFC 3676 section 4.3 signature delimiter "-- " (and the common variants without the space).
SIGNATURE_DELIMITER = re.compile(r"^(?:--|---|—|-- .{0,60})\s*$")
# "-Abhishek Kona", "- roman", "—Daniel": a dash and a short name on its own line.
DASH_NAME = re.compile(r"^\s*[-–—]\s?[^\W\d_][\w.'’]*(?:\s[^\W\d_][\w.'’]*){0,3}\.?\s*$", re.UNICODE)

_DEVICES = (
    r"iPhone|iPad|iPod|iOS|Android|BlackBerry|Blackberry|Samsung|Galaxy|HTC|Nokia|Huawei|Xiaomi"
    r"|Pixel|Motorola|Sony|LG|OnePlus|Windows\s+Phone|Windows\s+Mail|mobile|Mobile|phone|Phone"
    r"|smartphone|Smartphone|tablet|Tablet|device|Outlook|Gmail|Yahoo|AOL|Mailbox|Mail|Spark|Sparrow"
    r"|Airmail|ProtonMail|Proton\s+Mail|BlueMail|Newton|Superhuman|Edison|Nine|K-9|Zoho|Telcel|Bell"
)
# A link some apps append to their line ("Sent from TypeApp<http://…>", "Get Outlook for iOS<https://aka.ms/…>").
_TRAILING_LINK = r"(?:\s*[<(\[]\s*(?:https?://|mailto:|www\.)[^\s>)\]]*\s*[>)\]])?"
DEVICE_SIGNATURE = re.compile(
    r"^[\s(<*]*(?:"
    r"Sent\s+from\s+my\s+\S+(?:\s+\S+){0,3}"
    r"|Sent\s+(?:from|via|with|using|on)\s+(?:\S+\s+){0,4}?(?:" + _DEVICES + r")\b.{0,60}"
    r"|Sent\s+from\s+[A-Z][\w.+-]*(?:\s+[A-Z0-9][\w.+-]*){0,2}"
    r"|Sent\s+wirelessly\s+from\s+.{0,80}"
    r"|(?:Get|Download)\s+Outlook\s+for\s+\S+.{0,40}"
    r"|Télécharger\s+Outlook\s+pour\s+\S+"
    r"|(?:Holen\s+Sie\s+sich\s+)?Outlook\s+für\s+\S+(?:\s+(?:beziehen|herunterladen))?"
    r"|(?:Obtener|Descargar|Descarga)\s+Outlook\s+para\s+\S+|(?:Baixe|Obter|Obtenha|Baixar)\s+o\s+Outlook\s+para\s+\S+"
    r"|Scarica\s+Outlook\s+per\s+\S+|(?:Download\s+)?Outlook\s+voor\s+\S+(?:\s+downloaden)?"
    r"|Hämta\s+Outlook\s+för\s+\S+|Hent\s+Outlook\s+(?:til|for)\s+\S+"
    r"|Pobierz\s+(?:aplikację\s+)?Outlook\S*\s+dla\s+.{1,30}"
    r"|Скачайте\s+Outlook\s+для\s+\S+|Lataa\s+Outlook\s+.{1,30}"
    r"|\S+\s+from\s+mobile"
    r"|Envoyé\s+(?:de|depuis|avec|sans\s+fil\s+par)\s+.{1,80}"
    r"|Von\s+meinem\s+.{1,60}\s+gesendet"
    r"|Gesendet\s+(?:von|mit|vom|über)\s+.{1,60}"
    r"|Diese\s+Nachricht\s+wurde\s+von\s+.{1,80}\s+gesendet"
    r"|Enviado\s+(?:desde|do|de|con|com|a\s+partir\s+do)\s+(?:mi|meu|o|el|my)?\s*.{1,80}"
    r"|Enviat\s+(?:des\s+de|amb)\s+.{1,60}"
    r"|Inviato\s+da\s+.{1,60}"
    r"|Verzonden\s+(?:met|vanaf|vanuit|van)\s+.{1,60}|Verstuurd\s+(?:vanaf|vanuit|met)\s+.{1,60}"
    r"|Sendt\s+fra\s+.{1,60}|Skickat\s+från\s+.{1,60}|Lähetetty\s+.{1,60}|Saadetud\s+.{1,60}"
    r"|Wysłane\s+z\s+.{1,60}|Wysłano\s+z\s+.{1,60}"
    r"|Odesláno\s+z\s+.{1,60}|Odoslané\s+z\s+.{1,60}|Poslano\s+(?:s|sa|iz|z)\s+.{1,60}|Poslato\s+sa\s+.{1,60}"
    r"|Trimis\s+(?:de\s+pe|cu|din|de\s+la)\s+.{1,60}"
    r"|(?:Az\s+)?\S{0,30}(?:iPhone|iPad|Android|Galaxy)\S*\s+küldve"
    r"|\S{0,30}(?:iPhone|iPad|Android|Galaxy)\S*\s+gönderildi"
    r"|Išsiųsta\s+iš\s+.{1,60}|Nosūtīts\s+no\s+.{1,60}"
    r"|Στάλθηκε\s+από\s+.{1,60}"
    r"|Отправлено\s+(?:с|из)\s+.{1,60}|Надіслано\s+(?:з|із)\s+.{1,60}"
    r"|Dikirim\s+dari\s+.{1,60}|Được\s+gửi\s+từ\s+.{1,60}|ส่งจาก\s*.{1,60}"
    r"|נשלח\s+מ.{1,60}|(?:أُرسلت|أرسلت|تم\s+الإرسال)\s+من\s+.{1,60}"
    r"|\S{0,20}(?:iPhone|iPad|Android)\s*から送信"
    r"|(?:나의\s+)?\S{0,20}에서\s*보냄"
    r"|(?:从我的|發自我的|发自我的|從我的)\s*\S{1,20}(?:\s*傳送|\s*发送)?"
    r")" + _TRAILING_LINK + r"[\s)>*!.]*$",
    re.UNICODE,
)
