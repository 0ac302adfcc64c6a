"""Lead-reply text made comparable: lowercase, plain quotes, contractions with their apostrophe,
chat shorthand spelled out, misspelt cue words put right, the usual phrases of replies in Spanish,
French, German, Portuguese, Dutch, Italian and transliterated Arabic put into English, and a crude
stemmer so that "deleted", "deleting" and "deletion" meet. Also: the reply without its signature,
disclaimer and quoted mail (``trim_reply``), the text the date parser should read (``for_dates``),
and a time zone named with a time (``named_zone``).
"""
from __future__ import annotations

import re
from functools import lru_cache

from bot.understanding.lexicon import CONTRACTIONS
from bot.understanding.text import fold

# Shorthand seen in email replies; a smaller list than the agent channel's, because words like
# "re" and "w" mean something else at the top of an email.
_SHORTHAND = {
    "pls": "please", "plz": "please", "pleas": "please", "u": "you", "ur": "your", "thx": "thanks",
    "thnx": "thanks", "ty": "thanks", "tks": "thanks", "msg": "message", "msgs": "messages",
    "mtg": "meeting", "appt": "appointment", "tmrw": "tomorrow", "tmr": "tomorrow", "tomoz": "tomorrow",
    "2moro": "tomorrow", "abt": "about", "wanna": "want to", "gonna": "going to", "im": "i'm",
    "ive": "i've", "youre": "you're", "theyre": "they're", "unsub": "unsubscribe", "info": "information",
    "e-mail": "email", "e-mails": "emails", "ooo": "out of office",
}
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """One line of lowercase text with the wording the cue lists expect; the common phrases of
    replies written in Spanish, French, German, Portuguese, Dutch, Italian or transliterated
    Arabic are put into English first."""
    t = text.strip().lower()
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("`", "'"), ("\u201c", '"'), ("\u201d", '"'),
                 ("\u2013", "-"), ("\u2014", "-")):
        t = t.replace(a, b)
    t = _SPACES.sub(" ", t)
    english = in_english(t)
    t = fix_typos(t) if english == t else english

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        return _SHORTHAND.get(w) or CONTRACTIONS.get(w, w)

    return _WORD.sub(word, t)


_SUFFIXES = ("ational", "ations", "ation", "ions", "ion", "ments", "ment", "ingly", "ings", "ing", "edly", "ied",
             "ies", "ed", "es", "ly", "al", "s")


def stem(word: str) -> str:
    """A crude stem: enough for a bag of words to meet its inflections, not a linguist's stem."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            base = word[: -len(suf)]
            if suf in ("ied", "ies"):
                return base + "y"
            if suf in ("ed", "ing", "ings") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # "stopped" -> "stop"
            if suf.startswith(("ation", "ion")):
                return base
            return base.rstrip("e") if len(base) > 4 else base
    return word.rstrip("e") if len(word) > 5 else word


_NEGATORS = frozenset(
    "not no never nor without don't doesn't didn't won't wouldn't isn't aren't wasn't weren't can't cannot "
    "couldn't shouldn't haven't hasn't hadn't nothing nobody".split()
)
_TOKENS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!.,;:\n]")


def words(text: str) -> list[str]:
    """Tokens of normalised text; punctuation marks kept as tokens (they end a negation's reach)."""
    return _TOKENS.findall(text)


def features(text: str) -> list[str]:
    """The bag of features the lead-intent model reads: stems, stem pairs, negated stems (the
    three words after "not", "never", "don't" ... up to punctuation), and the question mark."""
    toks = words(normalise(text))
    out: list[str] = []
    prev = "^"
    neg = 0
    content = 0
    for tok in toks:
        if not tok[0].isalnum():
            neg = 0
            if tok == "?":
                out.append("?")
            prev = "|"
            continue
        s = stem(tok)
        content += 1
        out.append("u:" + s)
        out.append("b:" + prev + "_" + s)
        if neg:
            out.append("n:" + s)
            neg -= 1
        if tok in _NEGATORS:
            neg = 3
        prev = s
    out.append("b:" + prev + "_$")
    out.append("len:" + ("1" if content <= 2 else "2" if content <= 6 else "3" if content <= 20 else "4"))
    return out


def _top_level_branches(pattern: str) -> list[str]:
    out: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


class AnyOf:
    """A long alternation of cues, compiled for speed.

    Python's ``re`` tries every top-level branch at every position, and each branch first checks
    its own ``\\b``; branches that open with ``\\b`` are joined under one shared ``\\b`` (checked
    once per position, failing inside words), the rest are searched on their own. A 2,000-character
    reply is checked several times faster.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        bounded, rest = [], []
        for b in _top_level_branches(pattern):
            (bounded if b.startswith("\\b") else rest).append(b)
        parts = [re.compile(r"\b(?:" + "|".join(b[2:] for b in bounded) + ")")] if bounded else []
        self.branches = tuple(parts + [re.compile(b) for b in rest])

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """The earliest match of any branch."""
        best: re.Match[str] | None = None
        for r in self.branches:
            m = r.search(text, pos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def sub(self, repl: str, text: str) -> str:
        for r in self.branches:
            text = r.sub(repl, text)
        return text


# -- replies in other languages -------------------------------------------------------------------
# Words that mark a reply as written (at least partly) in another language. Only such replies are
# rewritten, so English text never meets the table below.
_FOREIGN_HINT = re.compile(
    r"\b(?:gracias|por favor|usted(?:es)?|estoy|estamos|oficina|vacaciones|regreso|podemos|podria|quisiera|cuanto|cual|precio|"
    r"llamar\w*|llame\w*|manana|lunes|martes|miercoles|jueves|viernes|sabado|domingo|hola|saludos|elimin\w+|baja|informacion|interesa\w*|"
    r"mandar|mandame|mandeme|manden\w*|enviar|enviame|envieme|envien\w*|correos?|departamento|piso|estacionamiento|aparcamiento|visita|nos vemos|"
    r"merci|bonjour|bonsoir|vous|votre|vos|nous|je|veuillez|voir|c'est|n'est|j'ai|absente|jusqu'\w+|conges?|rendez-vous|appeler|appelez|demain|lundi|mardi|"
    r"mercredi|jeudi|vendredi|samedi|dimanche|prix|combien|retirer|desabonn\w*|desinscri\w*|svp|envoyez|quel(?:le)?|rappel\w*|"
    r"danke|bitte|ihre[mnr]?|ihnen|nicht|kein(?:e|en)?|interesse|buro|buero|urlaub|abwesen\w*|verteiler|abmelden|austragen|morgen|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|uhr|preis|kostet|gibt|treffen|besichtig\w*|telefonieren|"
    r"schicken|senden|infos|wir|ich|koennen|konnen|termin|hatten|haetten|zeit|sprechen|"
    r"obrigad[oa]|ausente|escritorio|ferias|nao|tenho|temos|descadastr\w*|estou|"
    r"afwezig|vakantie|bedankt|geen|afmelden|uitschrijven|"
    r"grazie|ufficio|ferie|interessat[oaie]|cancellami|disiscriv\w*|"
    r"shukran|shokran|mehtag|mihtaj|me7tag|mohtam|muhtam|mehtam|bukra|bokra|mumkin|momken|inshallah|"
    r"insha'?allah|mashallah|masha'?allah|yalla|habibi|salam|salaam|aywa|na3am|ahlan|bikam|ab3at\w*|eb3at\w*|ib3at\w*|marhaba|"
    r"nshoof|nshuf|ashoof|sha2a|shaqqa|si3r|se3r|tafaseel|tafasil|el sabt|gom3a|khamis|3?afwan)\b"
)
_MONTHS = {
    "enero": "january", "febrero": "february", "marzo": "march", "abril": "april", "mayo": "may", "junio": "june",
    "julio": "july", "agosto": "august", "septiembre": "september", "setiembre": "september", "octubre": "october",
    "noviembre": "november", "diciembre": "december", "janvier": "january", "fevrier": "february", "mars": "march",
    "avril": "april", "mai": "may", "juin": "june", "juillet": "july", "aout": "august", "septembre": "september",
    "octobre": "october", "novembre": "november", "decembre": "december", "januar": "january", "februar": "february",
    "marz": "march", "maerz": "march", "juni": "june", "juli": "july", "oktober": "october", "dezember": "december",
}
_WEEKDAYS = {
    "lunes": "monday", "martes": "tuesday", "miercoles": "wednesday", "jueves": "thursday", "viernes": "friday",
    "sabado": "saturday", "domingo": "sunday", "lundi": "monday", "mardi": "tuesday", "mercredi": "wednesday",
    "jeudi": "thursday", "vendredi": "friday", "samedi": "saturday", "dimanche": "sunday", "montag": "monday",
    "dienstag": "tuesday", "mittwoch": "wednesday", "donnerstag": "thursday", "freitag": "friday",
    "samstag": "saturday", "sonntag": "sunday", "segunda-feira": "monday", "terca-feira": "tuesday",
    "quarta-feira": "wednesday", "quinta-feira": "thursday", "sexta-feira": "friday",
}
# (pattern, English), tried in order on accent-free lowercase text: longer and negative phrases first.
_PHRASES: tuple[tuple[str, str], ...] = (
    # greetings and politeness
    (r"\b(?:guten (?:morgen|tag|abend)|buenos dias|buenas tardes|buenas|bonjour|bonsoir|hola|hallo|ola|salam(?: alaikum| aleikum)?|salaam|assalamu? ?alaikum|ahlan|marhaba)\b,?", "hello,"),
    (r"\b(?:(?:muchas|mil) gracias|vielen dank|merci beaucoup|muito obrigad[oa]|grazie mille|shukran (?:gazilan|jazeelan|kteer))\b", "many thanks"),
    (r"\b(?:inshallah|insha'?allah|mashallah|masha'?allah|habibi|wallah|yalla)\b,?", ""),
    # unsubscribe
    (r"\b(?:dar(?:me|nos)?|darse) de baja\b|\bbaja de (?:la|su|esta|sus) lista\w*", "unsubscribe me"),
    (r"\b(?:elimin|borr|quit|sac)\w*(?:me|nos)?\b(?: (?:mi|mis|nuestro|nuestros|el|los) (?:correo|email|datos|direccion|contacto)\w*)? (?:de|del) (?:su |la |esta |sus |el )?(?:lista|base|registro|correo)\w*(?: de (?:correos?|distribucion|envios?|datos|contactos))?", "remove me from your mailing list"),
    (r"\bno (?:me|nos) (?:envi|mand|escrib|contact)\w*(?: mas)?\b", "do not email me again"),
    (r"\bno (?:quiero|queremos|deseo|deseamos) recibir\b", "i do not want to receive"),
    (r"\b(?:me |nous )?(?:retirer|supprimer|enlever|rayer|effacer|desinscrire)\b(?: de)? (?:votre|vos|la|cette|ces|de votre) (?:liste|base|fichier|mailing)\w*(?: de diffusion| de contacts?| de donnees)?", "remove me from your mailing list"),
    (r"\b(?:desabonn|desinscri)\w*", "unsubscribe"),
    (r"\bne (?:me |nous |m')?(?:contactez|envoyez|ecrivez|sollicitez)(?: plus| pas)\b|\bne plus (?:me |nous |m')?(?:contacter|envoyer|ecrire)\b", "do not email me again"),
    (r"\bje ne (?:souhaite|veux) plus recevoir\b", "i no longer wish to receive"),
    (r"\b(?:entfernen|loschen|loeschen|streichen|nehmen) sie (?:mich|uns|meine (?:daten|adresse|e-?mail-?adresse))\b", "remove me"),
    (r"\b(?:aus|von) (?:ihrem|ihrer|dem|der|diesem|dieser|ihren) (?:e-?mail-?)?(?:verteiler|liste|mailingliste|newsletter|datenbank|adressliste)\w*", "from your mailing list"),
    (r"\b(?:abmelden|abbestellen|austragen)\b", "unsubscribe"),
    (r"\bkeine (?:weiteren |werbe)?(?:e-?mails|nachrichten|werbung|newsletter)\b", "no more emails"),
    (r"\b(?:descadastr|desinscrev|uitschrijv|afmeld|disiscriv|cancellami)\w*", "unsubscribe"),
    (r"\b(?:remova-me|me remova|retire-me|me retire|verwijder (?:mij|me)|haal (?:mij|me) van|rimuovetemi|toglietemi)\b", "remove me"),
    # not interested
    (r"\bno (?:me|nos) interesa\w*|\bno (?:estoy|estamos) interesad[oa]s?\b|\bsin interes\b", "not interested"),
    (r"\bne (?:m'|me |nous )?interesse\w* pas\b|\b(?:pas|plus) interesse\w*", "not interested"),
    (r"\bkein(?:e|en)? interesse\b|\bnicht (?:mehr )?interessiert\b", "not interested"),
    (r"\bnao (?:tenho|temos) interesse\b|\bsem interesse\b|\bnao (?:estou|estamos) interessad\w*", "not interested"),
    (r"\bgeen interesse\b|\bniet (?:meer )?geinteresseerd\b", "not interested"),
    (r"\bnon (?:sono|siamo) interessat\w*|\bnon (?:mi|ci) interessa\b", "not interested"),
    (r"\b(?:mesh|mish|mosh|mush|ma) (?:mohtam|muhtam|mehtam|mu7tam|mo7tam)\w*", "not interested"),
    (r"\b(?:mesh|mish|mosh|mush|ma) (?:mehtag|mihtaj|me7tag|mi7taj|mehtaj|muhtaj|m7tag)\w*", "we don't need it"),
    (r"\bno,? gracias\b|\bnon,? merci\b|\bnein,? danke\b|\bnao,? obrigad[oa]\b|\bnee,? (?:bedankt|dank je|dank u)\b|\bno,? grazie\b|\b(?:la|laa|la2),? (?:shukran|shokran|shukren)\b", "no thanks"),
    (r"\b(?:no|pas) (?:es |est )?(?:el |le )?(?:momento adecuado|bon moment|buen momento)\b|\bnicht der richtige (?:zeitpunkt|moment)\b", "not the right time"),
    (r"\bno (?:estoy|estamos) buscando\b|\bne (?:cherche|cherchons) (?:pas|plus)\b|\bsuchen (?:nicht|nichts) (?:mehr)?\b", "not looking"),
    (r"\bno es para (?:mi|nosotros)\b|\bpas pour (?:moi|nous)\b|\bnichts fur (?:mich|uns)\b", "not for us"),
    (r"\b(?:demasiado|muy) caro\b|\btrop cher\b|\bzu teuer\b|\bmuito caro\b|\btroppo caro\b", "too expensive"),
    (r"\bya (?:compramos|compre|hemos comprado)\b|\bdeja achete\b|\b(?:schon|bereits) gekauft\b", "already bought"),
    # interested
    (r"\b(?:me|nos) interesa\w*|\b(?:estoy|estamos) (?:muy )?interesad[oa]s?\b", "interested"),
    (r"\b(?:je suis|nous sommes) (?:tres )?interesse\w*|\b(?:ca|cela) (?:m'|nous )interesse\b|\binteresse par\b", "interested"),
    (r"\b(?:ich bin|wir sind) (?:sehr )?interessiert\b|\bklingt (?:sehr )?(?:interessant|gut|toll|spannend)\b", "sounds interesting"),
    (r"\b(?:tenho|temos) interesse\b|\b(?:estou|estamos) interessad\w*|\b(?:ik ben|wij zijn|we zijn) (?:zeer )?geinteresseerd\b|\b(?:sono|siamo) interessat\w*|\bmi interessa\b", "interested"),
    (r"\b(?:ana|ehna|i'm|im|we're) (?:mohtam|muhtam|mehtam|mu7tam)\w*", "i'm interested"),
    (r"\b(?:me|nos) (?:puede|podria|pueden|podrian|puedes|podrias)n? (?:mandar|enviar)\b|\b(?:mand|envi)(?:a|e|en)me\b|\b(?:mandame|enviame)\b", "can you send me"),
    (r"\b(?:envoyez|envoyer|transmettez)-?(?:moi|nous)\b|\bm'envoyer\b|\bnous envoyer\b", "send me"),
    (r"\b(?:schicken|senden) sie (?:mir|uns)\b|\b(?:schick|sende) mir\b", "send me"),
    (r"\b(?:me envie|envie-me|stuur (?:me|mij)|stuurt u (?:me|mij)|mandami|inviami|mi mandi|(?:ab3at|eb3at|ib3at)(?:li|ly)?)\b", "send me"),
    (r"\b(?:mas|plus d'|plus de|mehr|weitere|mais|meer|maggiori|piu) ?(?:informacion(?:es)?|informations?|infos?|informationen|details|detalles|informacoes|informatie|informazioni)\b", "more information"),
    (r"\b(?:el|la|le|die|den|o|a|de) (?:folleto|brochure|broschure|brochura|prospekt|catalogo)\b", "the brochure"),
    # automatic replies
    (r"\b(?:respuesta automatica|mensaje automatico|reponse automatique|message automatique|automatische antwort|abwesenheitsnotiz|resposta automatica|automatisch antwoord|risposta automatica)\b", "automatic reply"),
    (r"\b(?:fuera de (?:la )?oficina|absente? du bureau|hors du bureau|nicht im (?:buro|buero)|ausser (?:haus|hause)|ausserhaus|ausente do escritorio|fora do escritorio|fuori (?:ufficio|sede)|niet op kantoor)\b", "out of the office"),
    (r"\b(?:estoy |estare )?de vacaciones\b|\ben (?:conges?|vacances)\b|\bim urlaub\b|\b(?:de|em) ferias\b|\bop vakantie\b|\bin ferie\b", "on holiday"),
    (r"\b(?:je suis |ich bin |estoy |estou |ik ben )?(?:absente?|abwesend|ausente|afwezig|assente)\b", "i am away"),
    (r"\ben deplacement\b|\bauf (?:geschafts|dienst)reise\b|\bde viaje\b|\bem viagem\b|\bin trasferta\b", "travelling"),
    (r"\b(?:un |qu'un |avec un |con )?(?:acces limite|acceso limitado|eingeschrankten zugriff|acesso limitado|accesso limitato)\b(?: (?:a|al|auf|ao|alla) (?:mes |mis |meine |meus |la |le )?(?:e-?mails?|correos?|courriels?|posta|mensajes))?", "limited access to email"),
    (r"\b(?:regresare|volvere|estare de vuelta|je serai de retour|je reviendrai|bin ich wieder|ich bin wieder|estarei de volta|voltarei|saro di ritorno|rientrero)\b", "i will be back"),
    (r"\b(?:ate (?:dia|o dia) |ate )(?=\d)", "until "),
    (r"\b(?:a mi regreso|cuando regrese|a mon retour|des mon retour|nach meiner ruckkehr|nach meiner rueckkehr|no meu regresso|bij terugkomst|al mio rientro)\b", "on my return"),
    (r"\b(?:pour toute urgence|en cas d'urgence|in dringenden fallen|in dringenden faellen|para asuntos urgentes|en caso de urgencia|per urgenze)\b", "for urgent matters"),
    (r"\b(?:nicht weitergeleitet|no sera reenviado|ne sera pas transfere)\b", "will not be forwarded"),
    (r"\b(?:hasta el|jusqu'(?:au|a|en)|bis (?:zum|einschliesslich|am)|tot en met|fino al)\b", "until"),
    # meetings and times
    (r"\bpasado manana\b", "the day after tomorrow"),
    (r"\bpor la manana\b|\bdans la matinee\b|\ble matin\b|\bvormittags?\b|\bmorgens\b", "morning"),
    (r"\bpor la tarde\b|\bl'apres-midi\b|\bapres-midi\b|\bnachmittags?\b", "afternoon"),
    (r"\bpor la noche\b|\bce soir\b|\bheute abend\b|\babends\b", "this evening"),
    (r"\bmorgen (?:fruh|frueh)\b", "tomorrow morning"),
    (r"\b(?:manana|demain|morgen|amanha|domani|bukra|bokra|bokrah|bukrah)\b", "tomorrow"),
    (r"\b(?:hoy|aujourd'hui|heute|hoje|oggi|el ?youm|al ?yom|ennaharda|elnaharda)\b", "today"),
    (r"\b(?:la (?:proxima|semana que viene) semana|la semana que viene|la semaine prochaine|nachste woche|naechste woche|na proxima semana|volgende week|la prossima settimana)\b", "next week"),
    (r"\b(?:este fin de semana|ce week-end|dieses wochenende|este fim de semana)\b", "this weekend"),
    (r"\b(?:a las|a la|vers|um|gegen|alle|om|el sa3a|al sa3a|essa3a)\s+(\d{1,2})(?:[:.h](\d{2}))?(?:\s*(?:uhr|h|horas?|heures?|hrs)\b)?", "at \x00"),
    (r"\b(\d{1,2})\s*(?:h|uhr)\s*(\d{2})?\b", "\x00"),
    (r"\b(?:a|vers|gegen) (\d{1,2}:\d{2})\b", r"at \1"),
    (r"\b(?:yom |yawm |youm )?(?:el|al|il) ?(sabt|had|ahad|etnein|ithnayn|itnen|talat|thulatha|arba3|arbi3a|arba3a|khamis|gom3a|jum3a|jumu3a|juma)\b", "\x01"),
    (r"\b(?:nshoof|nshuf|nshof|ashoof|ashuf|nshouf)\b", "see"),
    (r"\b(?:el|al|il) ?(?:sha2a|shaqa|shaqqa|sha'?a)\b", "the apartment"),
    (r"\b(?:el|al) ?(?:tafaseel|tafasil|tafa9eel)\b", "the details"),
    (r"\b(?:kam|qaddesh|adesh|2adesh|be kam) (?:el|al)? ?(?:si3r|se3r|sa3r|taman|tamn)\b|\b(?:el|al) ?(?:si3r|se3r)\b", "how much is the price"),
    (r"\b(?:on se (?:voit|retrouve|rencontre|parle)|on peut se (?:voir|parler|retrouver))\b", "can we meet"),
    (r"\b(?:podemos|podriamos|pouvons-nous|pourrions-nous|peut-on|on peut|konnen wir|koennen wir|konnten wir|podemos nos|kunnen we|possiamos|possiamo|mumkin|momken|mumken)\b", "can we"),
    (r"\b(?:pouvez-vous|pourriez-vous|konnen sie|koennen sie|konnten sie|koennten sie|puede usted|podria usted|kunt u)\b", "could you"),
    (r"\b(?:vernos|reunirnos|quedar|nos rencontrer|se rencontrer|se voir|nous voir|vous voir|vous rencontrer|uns treffen|treffen|nos encontrar|afspreken|incontrarci|net2abel|nit2abel|netqabel)\b", "meet"),
    (r"\b(?:llamarme|llamame|llameme|me (?:puede|puedes|pueden) llamar|m'appeler|me rappeler|appelez-moi|rappelez-moi|mich anrufen|rufen sie mich an|me ligar|ligue-me|bel (?:me|mij)|chiamarmi|chiamami)\b", "call me"),
    (r"\b(?:hatten|haetten|haben) sie (\w+ )?zeit\b", r"are you free \1"),
    (r"\b(?:ein|einem|einen) (?:telefonat|anruf|gesprach|gespraech)\b", "a call"),
    (r"\b(?:sprechen|reden|unterhalten|hablar|charlar|conversar|parler|discuter|falar|conversare|parlare|praten|spreken)\b", "talk"),
    (r"\b(?:telefonieren|hablar por telefono|nitkallem|netkalem|nitkalam|natkalam|nkalmak)\b", "talk on the phone"),
    (r"\b(?:ver el|ver la|visitar el|visitar la|visiter le|visiter la|voir le|voir la|besichtigen|die wohnung (?:ansehen|anschauen)|visitar o|visitar a|bekijken|vedere)\b(?: (?:departamento|apartamento|piso|casa|inmueble|appartement|maison|bien|wohnung|haus|imovel|woning|appartamento))?", "view the apartment"),
    (r"\b(?:una visita|une visite|eine besichtigung|einen besichtigungstermin|uma visita|een bezichtiging|zeyara|ziyara)\b", "a viewing"),
    (r"\b(?:una cita|un rendez-vous|rendez-vous|einen termin|termin|uma reuniao|een afspraak|un appuntamento)\b", "an appointment"),
    # questions
    (r"\b(?:cuanto cuesta|cuanto vale|cuanto es|combien coute|combien ca coute|was kostet|wie viel kostet|quanto custa|quanto costa|hoeveel kost|bikam|be kam)\b", "how much is"),
    (r"\b(?:cual es el precio|quel est le prix|wie hoch ist der preis|qual (?:e|o) (?:o )?preco|el si3r|essi3r|as-si3r)\b", "what is the price"),
    (r"\b(?:precio|prix|preis|preco|prezzo|prijs)\b", "price"),
    (r"\b(?:estacionamiento|aparcamiento|parqueadero|cochera|stationnement|parkplatze?|parkplaetze|stellplatz|tiefgarage|estacionamento|parcheggio|parkeerplaats)\b", "parking"),
    (r"\b(?:ascensor|ascenseur|aufzug|fahrstuhl|elevador|ascensore)\b", "lift"),
    (r"\b(?:piscina|piscine|schwimmbad)\b", "pool"),
    (r"\b(?:mascotas|animaux|haustiere|animais|huisdieren)\b", "pets"),
    (r"\b(?:plan de pagos|facilidades de pago|plan de paiement|echeancier|ratenzahlung|zahlungsplan|plano de pagamento)\b", "payment plan"),
    (r"\b(?:gibt es|y a-t-il|est-ce qu'il y a|il y a|hay|tem|c'e)\b", "is there"),
    (r"\b(?:cuando|quand|wann|quando)\b", "when"),
    (r"\b(?:donde|ou se trouve|wo ist|onde)\b", "where is"),
    # other
    (r"\b(?:lo|la) (?:hablo|hablare|comento|consulto) con\b|\bje (?:vais )?(?:en )?(?:parler|parle) a\b|\bich (?:spreche|bespreche das) mit\b|\bvou falar com\b", "i'll talk to"),
    (r"\b(?:mi|ma|meiner|minha) (?:esposa|esposo|marido|mujer|pareja|femme|mari|frau|mann|partner|partnerin|conjoint)\b|\bmeinem (?:mann|partner)\b", "my partner"),
    (r"\b(?:le|te|les) (?:aviso|aviso luego|confirmo)\b|\bje (?:vous|te) (?:tiens au courant|recontacte|reviens)\b|\bje reviens vers vous\b|\b(?:ich melde mich|wir melden uns)\b|\beu (?:lhe|te) aviso\b", "i'll let you know"),
    (r"\b(?:lo|la) (?:pensare|voy a pensar)\b|\bje vais reflechir\b|\bich (?:denke|uberlege|ueberlege) (?:daruber|darueber|es mir)\b", "i'll think about it"),
    (r"\b(?:gracias|merci|danke|obrigad[oa]|bedankt|grazie|shukran|shokran|choukran)\b", "thanks"),
    (r"\b(?:por favor|s'il vous plait|s'il te plait|svp|bitte|por favor|alstublieft|per favore|min fadlak|law samaht)\b", "please"),
    (r"^(?:si|sí|oui|ja|sim|aywa|aiwa|na3am|naam)\b", "yes"),
    (r"\b(?:actualmente|actuellement|derzeit|zurzeit|atualmente|attualmente)\b", "currently"),
    (r"\b(?:me encuentro|estoy|estou|je suis|ich bin|sono|ik ben)\b", "i am"),
)


_ARABIC_DAYS = {
    "sabt": "saturday", "had": "sunday", "ahad": "sunday", "etnein": "monday", "ithnayn": "monday", "itnen": "monday",
    "talat": "tuesday", "thulatha": "tuesday", "arba3": "wednesday", "arbi3a": "wednesday", "arba3a": "wednesday",
    "khamis": "thursday", "gom3a": "friday", "jum3a": "friday", "jumu3a": "friday", "juma": "friday",
}


def _arabic_day(m: re.Match[str]) -> str:
    return "on " + _ARABIC_DAYS[m.group(1)]


def _clock(m: re.Match[str]) -> str:
    """"a las 5", "um 10 Uhr", "14h30" as "at 5:00", "at 10:00", "14:30"."""
    at = "" if m.group(0)[0].isdigit() else "at "
    return f"{at}{int(m.group(1))}:{m.group(2) or '00'}"


_PHRASE_RES = tuple((re.compile(p), r) for p, r in _PHRASES)
_MONTH_RE = re.compile(r"\b(\d{1,2})(?:\.|º|er)? (?:de )?(" + "|".join(_MONTHS) + r")\b|\b(" + "|".join(_MONTHS) + r")\b")
_WEEKDAY_RE = re.compile(r"\b(?:el |le |am |on |na |op )?(" + "|".join(map(re.escape, _WEEKDAYS)) + r")\b")


def in_english(t: str) -> str:
    """Lowercase text with the common phrases of other languages put into English; English text
    comes back as it was."""
    plain = fold(t) if not t.isascii() else t
    if not _FOREIGN_HINT.search(plain):
        return t
    out = plain.replace("¿", " ").replace("¡", " ").replace("«", '"').replace("»", '"')
    for rx, repl in _PHRASE_RES:
        out = rx.sub(_clock if repl == "at \x00" or repl == "\x00" else _arabic_day if repl == "\x01" else repl, out)
    out = _WEEKDAY_RE.sub(lambda m: "on " + _WEEKDAYS[m.group(1)], out)
    out = _MONTH_RE.sub(lambda m: f"{m.group(1)} {_MONTHS[m.group(2)]}" if m.group(1) else _MONTHS[m.group(3)], out)
    return _SPACES.sub(" ", out).strip()


_AFTER_HOUR = re.compile(
    r"\b(?:any ?time |anytime |from |free )?(?:after|from) (\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)(?![\d:.]|\s*(?:-|to|until|till)\s*\d|\s*(?:days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?|people|units?)\b)",
    re.I,
)


# A weekday named with the date ("Thursday 10/14", "Sat the 25th"): the date says which one.
_WEEKDAY_BEFORE_DATE = re.compile(
    r"\b(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?\.?,?\s+"
    r"(?=(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b|\d{1,2}/\d{1,2}\b)",
    re.I,
)
# "9.30" is a time when it cannot be a day and month, or follows "at"
_DOTTED_TIME = re.compile(r"(?<![\d.])(at |@ ?)?(\d{1,2})\.([0-5]\d)(?![\d.])", re.I)


def for_dates(text: str) -> str:
    """The reply as the date parser should read it: in English where it was not, and "any time
    after 2pm" as the hour it opens with."""
    low = _SPACES.sub(" ", text.strip().lower())
    english = in_english(low)
    out = text if english == low else english
    out = _WEEKDAY_BEFORE_DATE.sub("", _AFTER_HOUR.sub(r"at \1", out))
    return _DOTTED_TIME.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}:{m.group(3)}" if m.group(1) or int(m.group(3)) > 12 else m.group(0), out)


# -- signatures, disclaimers and quoted mail ------------------------------------------------------
_TRAILER_LINE = re.compile(
    r"^\s*(?:--\s*|_{3,}\s*|-{3,}\s*|>.*|sent from (?:my|outlook|yahoo|mail|gmail|samsung)\b.*|get outlook for\b.*"
    r"|(?:confidentiality|privacy|legal|important|e-?mail) (?:notice|disclaimer|warning)\b.*|disclaimer\b.*|confidential(?:ity)?\s*[:\-].*"
    r"|.*\b(?:to unsubscribe|unsubscribe (?:from (?:our|this|these|all our)|here|at any time|anytime)|click here to (?:unsubscribe|opt out)|manage (?:your )?(?:e-?mail |subscription )?preferences|opt[ -]out (?:at any time|here))\b.*"
    r"|this (?:e-?mail|message|communication|transmission)\b.{0,120}\b(?:confidential|privileged|intended (?:only|solely)|may contain|is for the)\b.*"
    r"|if you (?:are not the (?:intended|named|addressee)|have received this (?:e-?mail |message |communication )?in error|received this (?:e-?mail |message )?in error)\b.*|the information (?:contained|in this|transmitted)\b.*"
    r"|(?:-{2,} ?)?original message ?-*|on .{4,120} wrote:\s*|from: .+|de : .+|von: .+|le .{4,80} a ecrit ?:.*|el .{4,80} escribio:.*)$",
    re.I,
)
_TRAILER_INLINE = re.compile(
    r"(?:\s|^)(?:(?:confidentiality|privacy|legal|important) notice\s*:|disclaimer\s*:|this (?:e-?mail|message)(?: and any (?:attachments?|files?)(?: (?:to|with) it)?)? (?:is|are|may be|contains?) (?:strictly )?(?:confidential|privileged|intended (?:only|solely))"
    r"|if you (?:are not the intended recipient|have received this (?:e-?mail|message|communication) in error)|sent from my (?:iphone|ipad|android|samsung|mobile|phone|blackberry)"
    r"|get outlook for (?:ios|android)|-{2,} ?original message ?-{2,}|on (?:mon|tue|wed|thu|fri|sat|sun)\w*,? .{4,80} wrote:)",
    re.I,
)


def trim_reply(text: str) -> str:
    """The reply without the signature delimiter and what follows it, legal disclaimers, "sent
    from my phone" lines and quoted mail; the text is kept whole when nothing would be left."""
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if k and _TRAILER_LINE.match(line) and any(c.isalnum() for c in "".join(lines[:k])):
            text = "\n".join(lines[:k])
            break
    m = _TRAILER_INLINE.search(text)
    if m and m.start() and any(c.isalnum() for c in text[: m.start()]):
        text = text[: m.start()]
    return text.strip()


# -- time zones named with a time ("4pm Eastern", "10:00 CET") ----------------------------------
_ZONES = {
    "eastern": "America/New_York", "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "central": "America/Chicago", "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
    "mountain": "America/Denver", "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
    "pacific": "America/Los_Angeles", "pt": "America/Los_Angeles", "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles", "gmt": "Europe/London", "bst": "Europe/London", "uk": "Europe/London",
    "london": "Europe/London", "utc": "UTC", "cet": "Europe/Paris", "cest": "Europe/Paris", "paris": "Europe/Paris",
    "dubai": "Asia/Dubai", "uae": "Asia/Dubai", "gst": "Asia/Dubai", "ist": "Asia/Kolkata", "india": "Asia/Kolkata",
    "sgt": "Asia/Singapore", "singapore": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "sydney": "Australia/Sydney", "nz": "Pacific/Auckland",
    "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland", "new york": "America/New_York", "ny": "America/New_York",
    "la": "America/Los_Angeles", "chicago": "America/Chicago", "melbourne": "Australia/Melbourne",
}
_ZONE_AFTER_TIME = re.compile(
    r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|h)?\s*\(?(?:your |my |our )?("
    + "|".join(sorted((re.escape(z) for z in _ZONES), key=len, reverse=True))
    + r")\b(?:\s*(?:time|standard time|daylight time))?\)?",
    re.I,
)


def named_zone(text: str) -> str | None:
    """The time zone a reply names right after a time ("4pm Eastern", "10:00 CET"), if any."""
    m = _ZONE_AFTER_TIME.search(text)
    if m is None:
        return None
    word = m.group(1).lower()
    if word in ("la", "uk", "ny", "nz", "london", "paris", "dubai", "india", "singapore", "sydney", "melbourne",
                "chicago", "new york") and not re.search(r"\btime\b", m.group(0), re.I):
        return None  # "3pm in London" names a place; "3pm London time" a zone
    if len(word) == 2 and word not in ("uk", "nz", "ny", "la") and not re.search(r"(?:am|pm|a\.m\.|p\.m\.|:\d\d)\s*\(?\s*\w+\)?$", m.group(0), re.I):
        return None  # "at 4 ET" is too thin; "4pm ET", "16:00 ET" are not
    return _ZONES[word]


# -- typos --------------------------------------------------------------------------------------
# The words the cue lists turn on; a token that is no English word is read as one of these when it
# is one edit away (two for long words): "intrested", "unsubscirbe", "tomorow", "remvoe".
_CUE_WORDS = tuple(sorted(set("""
interested interest interesting unsubscribe subscribe remove removed delete deleted please stop emails email
emailing receive receiving contact contacting mailing list database marketing newsletter newsletters spam
thanks thank already bought purchased elsewhere another looking market budget expensive afford decline
declined pass definitely absolutely brochure details information floorplans floor plans price prices pricing
parking payment deposit mortgage completion available availability apartment apartments penthouse bedroom
bedrooms viewing viewings visit tour meeting meet appointment schedule arrange call phone tomorrow today
morning afternoon evening weekend monday tuesday wednesday thursday friday saturday sunday january february
march april june july august september october november december office vacation holiday leave return
returning until automatic reply away travelling traveling access urgent colleague assistant which much
would could should interested keen reserve proceed forward husband wife partner think discuss decide
""".split())))


@lru_cache(maxsize=1)
def _english_words():
    try:
        from spellchecker import SpellChecker
    except ImportError:  # the typo step is skipped without the word list
        return None
    return SpellChecker(language="en", distance=1).word_frequency


@lru_cache(maxsize=20_000)
def _typo(token: str) -> str:
    freq = _english_words()
    if freq is None or token in _CUE_SET or freq[token] >= 120:
        return token
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    limit = 2 if len(token) >= 7 else 1
    best = process.extractOne(token, _CUE_WORDS, scorer=OSA.distance, score_cutoff=limit)
    return best[0] if best is not None else token


_CUE_SET = frozenset(_CUE_WORDS)
_ALPHA_WORD = re.compile(r"\b[a-z]{4,}\b")


def fix_typos(t: str) -> str:
    """Lowercase English text with misspelt cue words put right."""
    return _ALPHA_WORD.sub(lambda m: _typo(m.group(0)), t)
