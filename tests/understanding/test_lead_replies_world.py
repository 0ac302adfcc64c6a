"""Lead replies as they arrive from the world: other languages, signatures and disclaimers left in,
HTML leftovers, typos and capitals, one-word answers, sarcasm, and times given in another zone."""
import json

import pytest

from bot.understanding.lead_text import for_dates, in_english, named_zone, normalise, trim_reply
from tests.understanding.conftest import NOW, TZ


def read(understander, text: str, *, tz: str = TZ, now=NOW):
    return understander.understand(text, channel="lead", now=now, tz=tz).actions[0]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Por favor bórrenme de su lista de correo.", "unsubscribe"),
        ("Merci de ne plus m'écrire.", "unsubscribe"),
        ("Bitte nehmen Sie mich aus Ihrer Mailingliste.", "unsubscribe"),
        ("No nos interesa por ahora, gracias.", "not_interested"),
        ("Désolé, ça ne m'intéresse pas.", "not_interested"),
        ("Nein danke, kein Bedarf.", "not_interested"),
        ("La2 shokran, mish mohtam.", "not_interested"),
        ("Estamos muy interesados, ¿nos puede enviar más información?", "interested"),
        ("Nous sommes intéressés, envoyez-nous la brochure.", "interested"),
        ("Wir sind sehr interessiert, bitte senden Sie uns weitere Informationen.", "interested"),
        ("¿Cuánto cuesta el piso de tres habitaciones?", "question"),
        ("Y a-t-il une piscine dans la résidence ?", "question"),
        ("Was kostet ein Stellplatz in der Tiefgarage?", "question"),
        ("Estoy fuera de la oficina hasta el lunes.", "auto_reply"),
        ("Je suis en congés jusqu'au 3 décembre.", "auto_reply"),
        ("Ich bin im Urlaub und ab dem 30. November wieder im Büro.", "auto_reply"),
        ("Ik ben afwezig tot en met vrijdag.", "auto_reply"),
        ("Sono fuori ufficio fino a lunedì.", "auto_reply"),
        ("Gracias, lo comento con mi marido y le aviso.", "other"),
    ],
)
def test_replies_in_other_languages(understander, text, intent):
    assert read(understander, text).intent == intent


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("¿Me puede llamar mañana a las 5?", "2026-11-19 17:00"),
        ("On se voit vendredi à 11h ?", "2026-11-20 11:00"),
        ("Können wir am Montag um 10 Uhr sprechen?", "2026-11-23 10:00"),
        ("Mumkin nshoof el sha2a bukra at 4?", "2026-11-19 16:00"),
    ],
)
def test_meeting_times_in_other_languages(understander, text, due):
    act = read(understander, text)
    assert act.intent == "meeting_request"
    assert act.fields["due"].strftime("%Y-%m-%d %H:%M") == due


def test_english_text_is_left_as_it_was():
    for text in ("can we meet on monday at 10?", "is there a gym?", "i'm out of the office until friday",
                 "the house on hay street looks lovely"):
        assert in_english(text) == text


def test_english_with_a_foreign_greeting_keeps_its_meaning(understander):
    assert read(understander, "Hola Dana! Can we see it Friday at 5?").fields["due"].strftime("%d %H:%M") == "20 17:00"
    assert read(understander, "Salam, thanks for the brochure. How much is parking?").intent == "question"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Yes please send the brochure\n\n--\nJohn Carter\nCarter & Sons | 555-0199\nThis email and any attachments are "
         "confidential and intended solely for the addressee. If you are not the intended recipient please delete it.",
         "interested"),
        ("What's the parking like?\n\nJ. Smith\nConfidential: do not forward. Unsubscribe from our newsletters at "
         "smith.example/unsub", "question"),
        ("Thanks\n\nDISCLAIMER: The contents of this email are confidential. Do not copy or forward.", "other"),
        ("Stop emailing me.\n\nSent from my iPhone", "unsubscribe"),
        ("Sure, Saturday at 10 works.\n\nOn Wed, 18 Nov 2026 at 10:00, Alex Morgan wrote:\n> Would you like a viewing?",
         "meeting_request"),
        ("Automatic reply: New homes\n\nI am out of the office until Monday.\n\n________________________________\n"
         "From: Alex Morgan\nSent: Wednesday\nSubject: New homes", "auto_reply"),
    ],
)
def test_signatures_disclaimers_and_quotes_do_not_decide(understander, text, intent):
    assert read(understander, text).intent == intent


def test_trim_reply_keeps_the_reply_and_drops_the_trailer():
    body = "Interested, please call me.\n\nBest,\nAna\n\nCONFIDENTIALITY NOTICE: this message is private."
    assert trim_reply(body) == "Interested, please call me.\n\nBest,\nAna"
    assert trim_reply("Yes please. Sent from my iPhone") == "Yes please."
    assert trim_reply("If you are not able to call, email me instead.") == "If you are not able to call, email me instead."
    assert trim_reply("Sent from my iPhone") == "Sent from my iPhone"  # nothing else to keep


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("<p>No thanks</p><p>Sent from Yahoo Mail for iPhone</p>", "not_interested"),
        ("Please remove me from the list.&nbsp;Thanks", "unsubscribe"),
        ("<div dir=\"ltr\">Yes please, send me the floor plans<br><br>-- <br>Tom</div>", "interested"),
        ("REMOVE ME FROM THIS LIST NOW", "unsubscribe"),
        ("CAN YOU CALL ME MONDAY", "meeting_request"),
        ("not intrested", "not_interested"),
        ("unsubscirbe", "unsubscribe"),
        ("how mutch is parking", "question"),
        ("pleae remvoe me", "unsubscribe"),
        ("intrested, pls send more info", "interested"),
    ],
)
def test_html_capitals_and_typos(understander, text, intent):
    assert read(understander, text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Yes", "interested"),
        ("yep, keen", "interested"),
        ("stop", "unsubscribe"),
        ("unsubscribe pls", "unsubscribe"),
        ("pass, thanks", "not_interested"),
        ("nope nope nope", "not_interested"),
        ("Yeah... no.", "not_interested"),
        ("👍", "other"),
        ("k", "other"),
    ],
)
def test_one_word_answers(understander, text, intent):
    assert read(understander, text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Sure, I'll just print the money myself. 🙄", "not_interested"),
        ("Yeah right, at those prices.", "not_interested"),
        ("Honestly, who pays that for a one bed? Pass.", "not_interested"),
        ("Another email, how lovely. Please make it stop.", "unsubscribe"),
    ],
)
def test_sarcasm(understander, text, intent):
    assert read(understander, text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Please don't remove me from the list, I'm still interested!", "interested"),
        ("I don't want to unsubscribe, just update my address to k.lee@mail.example", "other"),
        ("Please remove my old email and use this one instead.", "other"),
        ("FYI your last email went to my spam folder.", "other"),
        ("Could you remove the partition wall in the B layout?", "question"),
        ("Please call me back on Monday at 10.", "meeting_request"),
        ("I'm in a meeting, will reply later.", "other"),
        ("Forwarding to my wife - honey, thoughts?", "other"),
        ("Who is this from?", "other"),
    ],
)
def test_words_that_only_look_like_other_intents(understander, text, intent):
    assert read(understander, text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Can you remove me from these emails? Thanks.", "unsubscribe"),
        ("Why am I still getting these? I asked to be removed.", "unsubscribe"),
        ("Is there any way to stop these emails?", "unsubscribe"),
        ("Could you not email me anymore?", "unsubscribe"),
        ("Lose my number and my email, please.", "unsubscribe"),
        ("I'd rather not get these anymore.", "unsubscribe"),
    ],
)
def test_requests_to_stop_asked_as_questions(understander, text, intent):
    assert read(understander, text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "Not right now, perhaps next spring.",
        "Dear Alex,\n\nThank you for the information and your patience. We have thought it over as a family and decided "
        "that a move is not something we can take on at this stage.\n\nKind regards,\nRobert",
        "We closed on a townhouse across town last month.",
        "Already under contract on another place.",
        "Love the building, but we just can't swing the price.",
        "It's way over our budget.",
        "That's a no from me.",
        "I don't think so, thanks.",
    ],
)
def test_refusals_long_and_short(understander, text):
    assert read(understander, text).intent == "not_interested"


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Could we do 4pm Eastern on Friday for a call?", "2026-11-20 21:00"),  # EST is five hours behind London
        ("Thursday the 26th at 3pm for a viewing?", "2026-11-26 15:00"),
        ("Any time after 2pm tomorrow works for a call", "2026-11-19 14:00"),
        ("How's Monday 9.30?", "2026-11-23 09:30"),
        ("Can we see the condo Saturday around 11?", "2026-11-21 11:00"),
    ],
)
def test_meeting_times_in_many_forms(understander, text, due):
    act = read(understander, text)
    assert act.intent == "meeting_request"
    assert act.fields["due"].strftime("%Y-%m-%d %H:%M") == due


def test_weekday_and_numeric_date_read_in_a_us_zone(understander):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = datetime(2027, 9, 8, 10, 5, tzinfo=ZoneInfo("America/Chicago"))
    act = read(understander, "Could we meet Thursday 10/14 at 1pm?", tz="America/Chicago", now=now)
    assert act.fields["due"].strftime("%Y-%m-%d %H:%M") == "2027-10-14 13:00"
    act = read(understander, "Next Tuesday at 9am PT works for me for a video call.", tz="America/Chicago", now=now)
    assert act.fields["due"].strftime("%Y-%m-%d %H:%M") == "2027-09-14 11:00"


def test_named_zone_needs_a_time_before_it():
    assert named_zone("Thursday 4pm Eastern") == "America/New_York"
    assert named_zone("10:00 CET please") == "Europe/Paris"
    assert named_zone("3pm London time") == "Europe/London"
    assert named_zone("at 3pm in London") is None
    assert named_zone("see you at 4 et al") is None


def test_for_dates_rewrites_only_what_the_parser_needs():
    assert for_dates("Call me Friday") == "Call me Friday"
    assert for_dates("Pouvez-vous m'appeler demain à 14h ?") == "could you call me tomorrow at 14:00 ?"
    assert for_dates("free any time after 3pm") == "free at 3pm"
    assert for_dates("back in 3 days after 5 days") == "back in 3 days after 5 days"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("On PTO till Thursday, back Friday.", "auto_reply"),
        ("Hi, I'm no longer with Acme. Please contact jane@acme.example going forward.", "auto_reply"),
        ("We are closed for the holiday weekend and will reopen on Tuesday.", "auto_reply"),
        ("Thanks for your email. I'm heads-down this week and checking email at noon only.", "auto_reply"),
        ("Your email to support@acme.example has been received. Ticket #: 883021", "auto_reply"),
    ],
)
def test_automatic_replies_in_more_formats(understander, text, intent):
    assert read(understander, text).intent == intent


def test_typos_are_not_forced_onto_english_words():
    assert normalise("please send the form") == "please send the form"
    assert normalise("whats the prise for the townhome") == "what's the price for the townhome"


def test_training_files_map_intents_to_replies(tmp_path):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "train_lead_intents.py"
    spec = importlib.util.spec_from_file_location("train_lead_intents", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    plain = tmp_path / "replies.json"
    plain.write_text(json.dumps({"unsubscribe": ["stop it"], "other": ["thanks"]}), encoding="utf-8")
    evalfile = tmp_path / "eval.json"
    evalfile.write_text(json.dumps({"examples": [
        {"channel": "lead", "text": "no thanks", "actions": [{"intent": "not_interested"}]},
        {"channel": "agent", "text": "show John", "actions": [{"intent": "show_lead"}]},
    ]}), encoding="utf-8")
    assert mod.lead_examples([plain, evalfile]) == [("stop it", "unsubscribe"), ("thanks", "other"),
                                                  ("no thanks", "not_interested")]
