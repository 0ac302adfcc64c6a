from pathlib import Path

import pytest

from handlers.email_in.htmltext import html_to_text
from handlers.email_in.quotes import strip_signature, visible_text, visible_text_html

HTML = Path(__file__).resolve().parents[1] / "fixtures" / "email" / "html"

REPLY = "Saturday at 11 works for me."


@pytest.mark.parametrize(
    "attribution",
    [
        "On Tue, 3 Nov 2026 at 09:12, Alex Morgan <alex@agency.example> wrote:",
        "On Nov 3, 2026, at 9:12 AM, Alex Morgan <alex@agency.example> wrote:",
        "On 03/11/2026 09:12, Alex Morgan wrote:",
        "On Tuesday, November 3, 2026 at 9:12 AM, Alex Morgan <alex@agency.example> wrote:",
        "Le mar. 3 nov. 2026 à 09:12, Alex Morgan <alex@agency.example> a écrit :",
        "Am 03.11.2026 um 09:12 schrieb Alex Morgan <alex@agency.example>:",
        "El mar, 3 nov 2026 a las 9:12, Alex Morgan (<alex@agency.example>) escribió:",
        "Il giorno mar 3 nov 2026 alle ore 09:12 Alex Morgan <alex@agency.example> ha scritto:",
        "Em ter., 3 de nov. de 2026 às 09:12, Alex Morgan <alex@agency.example> escreveu:",
        "Op di 3 nov. 2026 om 09:12 schreef Alex Morgan <alex@agency.example>:",
        "Den tis 3 nov. 2026 kl 09:12 skrev Alex Morgan <alex@agency.example>:",
        "W dniu 3.11.2026 o 09:12, Alex Morgan <alex@agency.example> pisze:",
        "wt., 3 lis 2026 o 09:12 Alex Morgan <alex@agency.example> napisał(a):",
        "вт, 3 нояб. 2026 г. в 09:12, Alex Morgan <alex@agency.example>:",
        "2026-11-03 9:12 GMT+01:00 Alex Morgan <alex@agency.example>:",
        "2026年11月3日(火) 9:12 Alex Morgan <alex@agency.example>:",
        "Alex Morgan <alex@agency.example> schrieb am Di., 3. Nov. 2026, 09:12:",
        "---- Alex Morgan wrote ----",
    ],
)
def test_it_strips_history_under_an_attribution_in_many_languages(attribution):
    text = f"{REPLY}\n\n{attribution}\n\n> Would Saturday suit you?\n> Alex\n"
    assert visible_text(text) == REPLY


def test_it_strips_an_attribution_wrapped_over_several_lines():
    text = (f"{REPLY}\n\nOn Tue, Nov 3, 2026 at 9:12 AM, Alex Morgan\n<alex@agency.example>\nwrote:\n\n"
            "> Would Saturday suit you?\n")
    assert visible_text(text) == REPLY


def test_it_cuts_an_attribution_that_shares_the_line_with_the_reply():
    text = "Sure thing On Tue, Nov 3, 2026 at 9:12 AM, alex@agency.example wrote:\n> Call tomorrow?\n"
    assert visible_text(text) == "Sure thing"


@pytest.mark.parametrize(
    "block",
    [
        "From: Alex Morgan <alex@agency.example>\nSent: Tuesday, November 3, 2026 9:12 AM\n"
        "To: Lead <lead@lead.example>\nSubject: Offer",
        "________________________________\nFrom: Alex Morgan <alex@agency.example>\n"
        "Sent: Tuesday, November 3, 2026 9:12 AM\nTo: Lead\nSubject: Offer",
        "*From:* Alex Morgan [mailto:\nalex@agency.example]\n*Sent:* Tuesday, November 3, 2026 9:12 AM\n"
        "*To:* Lead\n*Subject:* Offer",
        "-----Original Message-----\nFrom: Alex Morgan\nSent: Tuesday, November 3, 2026 9:12 AM",
        "----- Original Message -----\nFrom: \"Alex\" <alex@agency.example>\nTo: <lead@lead.example>\n"
        "Sent: Tuesday, November 03, 2026 9:12 AM\nSubject: Offer",
        "Von: Alex Morgan <alex@agency.example>\nGesendet: Dienstag, 3. November 2026 09:12\nAn: Lead\n"
        "Betreff: Angebot",
        "De : Alex Morgan <alex@agency.example>\nEnvoyé : mardi 3 novembre 2026 09:12\nÀ : Lead\nObjet : Offre",
        "De: Alex Morgan <alex@agency.example>\nEnviado: martes, 3 de noviembre de 2026 9:12\nPara: Lead\n"
        "Asunto: Oferta",
        "Van: Alex Morgan <alex@agency.example>\nVerzonden: dinsdag 3 november 2026 09:12\nAan: Lead\n"
        "Onderwerp: Aanbod",
        "От: Alex Morgan <alex@agency.example>\nОтправлено: 3 ноября 2026 г. 9:12\nКому: Lead\nТема: Предложение",
        "-----Ursprüngliche Nachricht-----\nVon: Alex Morgan",
    ],
)
def test_it_strips_an_outlook_header_block_and_everything_below(block):
    text = f"{REPLY}\n\n{block}\n\nDear customer,\nhere is our offer.\n"
    assert visible_text(text) == REPLY


def test_it_keeps_the_answers_written_between_quoted_lines():
    text = "> Which floor would you prefer?\nThe top floor.\n> And your budget?\nAround 900k.\n"
    assert visible_text(text) == "The top floor.\nAround 900k."


def test_it_keeps_a_reply_written_below_the_quote():
    text = "On 03/11/2026 09:12, Alex Morgan wrote:\n> Still interested?\n\nYes, very much.\n"
    assert visible_text(text) == "Yes, very much."


def test_it_strips_quotes_without_an_attribution_when_there_are_several_quoted_lines():
    text = "Yes.\n\n> Subject: Offer\n> From: alex@agency.example\n>\n> Are you interested?\n"
    assert visible_text(text) == "Yes."


def test_a_single_line_starting_with_angle_brackets_is_not_taken_for_a_quote():
    text = "Visit us now for assistance...\n>>> >>>  http://www.example.com <<<\nVisit our site"
    assert visible_text(text) == text


def test_it_keeps_a_forwarded_message_whole():
    text = ("FYI, see below.\n\n---------- Forwarded message ----------\nFrom: bank@bank.example\n"
            "Date: Tue, Nov 3, 2026 at 9:12 AM\nSubject: Approval\nTo: me@lead.example\n\nApproved.")
    assert visible_text(text) == text


def test_it_cuts_a_forward_that_sits_inside_quoted_history():
    text = ("Thanks.\n\n-----Original Message-----\n\nFYI\n\n---------- Forwarded message ----------\n"
            "From: bank@bank.example\n\nApproved.")
    assert visible_text(text) == "Thanks."


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nJamie Fox\nAcme Ltd\n+44 20 7946 0000",
        "--\nJamie",
        "Sent from my iPhone",
        "Sent from my Verizon Wireless BlackBerry",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Get Outlook for Android",
        "-Jamie",
        "_______________________________________________\nleads mailing list\nleads@lists.example\n"
        "https://lists.example/listinfo/leads",
    ],
)
def test_it_strips_a_signature_at_the_bottom(signature):
    assert visible_text(f"{REPLY}\n\n{signature}\n") == REPLY


def test_a_signature_above_quoted_history_is_kept():
    text = f"{REPLY}\n\nSent from my iPhone\n\nOn Nov 3, 2026, at 9:12 AM, Alex <alex@agency.example> wrote:\n\n> Hi"
    assert visible_text(text) == f"{REPLY}\n\nSent from my iPhone"


def test_a_signature_under_an_inline_reply_is_stripped():
    text = "> Budget?\nAround 900k.\n> Timing?\nSpring.\n\n--\nJamie\n"
    assert visible_text(text) == "Around 900k.\nSpring."


@pytest.mark.parametrize(
    "text",
    [
        "On Monday I will call you.\nOn Tuesday I am away.\nThanks",
        "Sure. Time: 10:00\nDate: Friday\nTo: the office\n\nJohn",
        "I sent from my iPhone app a request yesterday.\n\nIt was sent from my iPhone app too.",
        "Here is my analysis:\n\n## Key points\n----\n\n1. Faster\n2. Cheaper\n\n----\n\n"
        "The dashes above are formatting in the message itself.",
        "And here is a fix -- this is not a signature.\n\nkthxbai",
        "Sent from my desk, which is much easier than my phone.",
        "Please send the plans for:\n- unit A\n- unit B\n-Jamie",
        "Can we meet on 12/03/2026 at 10:00?\nMy email: jamie@lead.example",
        "My manager wrote: we need a discount.\nCan you do 5%?",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert visible_text(text) == text


def test_a_message_that_is_only_quoted_history_has_no_visible_text():
    assert visible_text("On Tue, Nov 3, 2026 at 9:12 AM, Alex <alex@agency.example> wrote:\n> Hello\n> there") == ""


def test_empty_and_whitespace_input_gives_empty_text():
    assert visible_text("") == ""
    assert visible_text(" \r\n \n") == ""


def test_windows_line_endings_are_understood():
    text = "Yes.\r\n\r\nOn Tue, Nov 3, 2026 at 9:12 AM, Alex <alex@agency.example> wrote:\r\n> Viewing?\r\n"
    assert visible_text(text) == "Yes."


def test_a_huge_quote_line_is_handled():
    text = "Short answer.\n\nOn Tue, Nov 3, 2026 at 9:12 AM, Alex <alex@agency.example> wrote:\n" + ">" * 300_000
    assert visible_text(text) == "Short answer."


def test_many_lines_that_end_like_attributions_are_handled():
    text = "Real reply\n" + "12:30 note a@b.example:\n" * 5000
    assert visible_text(text).startswith("Real reply")


def test_strip_signature_only_removes_the_signature():
    text = "Fine by me.\n\n> quoted stays\n\n-- \nJamie"
    assert strip_signature(text) == "Fine by me.\n\n> quoted stays"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gmail.html", "Thanks Alex, Tuesday at 3pm is perfect.\n\nLena"),
        ("outlook_desktop.html", "What is the service charge for the two-bedroom units?\n\nRegards,\nChris"),
        ("outlook_web.html", "Please call me on Thursday after 2pm."),
        ("apple_mail.html", "We have decided to go with another agency, thank you."),
        ("thunderbird.html", "Yes, Friday at noon, please."),
        ("yahoo.html", "Is the parking space included in the price?"),
    ],
)
def test_it_strips_history_from_html_replies_of_each_client(name, expected):
    assert visible_text_html((HTML / name).read_text(encoding="utf-8")) == expected


def test_an_html_forward_is_kept_whole():
    text = visible_text_html((HTML / "gmail_forward.html").read_text(encoding="utf-8"))
    assert text.startswith("Forwarding this to you as discussed.")
    assert "Your mortgage in principle has been approved." in text


def test_html_to_text_marks_blockquotes_as_quotes_and_skips_styles():
    html = ("<html><head><style>p {color: red}</style></head><body><p>Top&nbsp;line</p>"
            "<blockquote><p>quoted</p><blockquote>deeper</blockquote></blockquote><ul><li>one</li></ul></body></html>")
    assert html_to_text(html).split("\n") == ["Top line", "", "> quoted", ">", "> > deeper", "", "- one"]


def test_html_to_text_never_raises_on_broken_markup():
    assert html_to_text("<div><p>unclosed <b>bold <blockquote>x</div></td></table>") != ""
    assert html_to_text("") == ""
