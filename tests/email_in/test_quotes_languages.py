"""Quote and signature stripping on reply layouts from more clients and languages."""
import pytest

from handlers.email_in.quotes import visible_text, visible_text_html

REPLY = "Thursday at 4 suits me."
HISTORY = "Dear Sam,\nthe viewing can take place on Thursday.\nKind regards,\nAlex"


@pytest.mark.parametrize(
    "attribution",
    [
        "El 3/11/2026 a les 9:12, Alex Morgan <alex@agency.example> va escriure:",
        "El dt., 3 de nov. 2026 a les 9:12, Alex Morgan (<alex@agency.example>) ha escrit:",
        "mar., 3 nov. 2026, 09:12 Alex Morgan <alex@agency.example> a scris:",
        "ti 3. marrask. 2026 klo 9.12 Alex Morgan\n<alex@agency.example> kirjoitti:",
        "Wiadomość napisana przez Alex Morgan <alex@agency.example> w dniu 03.11.2026, o godz. 09:12:",
        "9:12 AM, November 3, 2026, \"Alex Morgan\" <alex@agency.example>:",
        "Op di 3 nov. 2026 om 09:12 schreef Alex Morgan <\nalex@agency.example>:",
        "Den tis 3 nov. 2026 kl 09:12 skrev Alex Morgan <\nalex@agency.example>:",
        "Alex Morgan <alex@agency.example> 在 2026年11月3日 周二 09:12 写道：",
    ],
)
def test_an_attribution_over_pasted_history_cuts_it(attribution):
    text = f"{REPLY}\n\n{attribution}\n\n{HISTORY}\n"
    assert visible_text(text) == REPLY


@pytest.mark.parametrize(
    "block",
    [
        "-------- Oprindelig besked --------\nFra: Alex Morgan <alex@agency.example>\n"
        "Dato: 03.11.2026 09.12 (GMT+01:00)\nTil: sam@lead.example\nEmne: Visning",
        "====\n\nMessage du : 03/11/2026 09:12\nDe : \"Alex Morgan\" <alex@agency.example>\n"
        "A : sam@lead.example\nCopie à : \nSujet : Visite",
        "Od: Alex Morgan <alex@agency.example>\nWysłano: wtorek, 3 listopada 2026 09:12\n"
        "Do: Sam <sam@lead.example>\nTemat: Oglądanie",
        "Temat: Oglądanie 2026-11-03 09:12Nadawca: \"Alex\" alex@agency.example Adresat:",
        "De la: Alex Morgan <alex@agency.example>\nTrimis: marți, 3 noiembrie 2026 09:12\n"
        "Către: Sam\nSubiect: Vizionare",
    ],
)
def test_an_outlook_style_block_in_other_languages_cuts_the_history(block):
    text = f"{REPLY}\n\n{block}\n\n{HISTORY}\n"
    assert visible_text(text) == REPLY


@pytest.mark.parametrize(
    "device",
    [
        "Sent from my iPhone",
        "Az iPhone-omról küldve",
        "Trimis de pe iPhone-ul meu",
        "Verzonden vanuit Outlook voor iOS",
        "Gesendet von Outlook für Android<https://aka.ms/abc>",
        "Télécharger Outlook pour iOS<https://aka.ms/abc>",
    ],
)
def test_a_phone_signature_over_unquoted_history_ends_the_reply(device):
    text = f"{REPLY}\n{device}\n\nalex@agency.example wrote:\n\n{HISTORY}\n"
    assert visible_text(text) == REPLY
    pasted = f"{REPLY}\n\n{device}\n\n{HISTORY}\n"
    assert visible_text(pasted) == REPLY


def test_a_phone_signature_over_a_header_block_ends_the_reply():
    text = (f"{REPLY}\n\nGet Outlook for iOS<https://aka.ms/abc>\n________________________________\n"
            "From: Alex Morgan <alex@agency.example>\nSent: Tuesday, November 3, 2026 9:12 AM\n"
            f"To: Sam\nSubject: Viewing\n\n{HISTORY}\n")
    assert visible_text(text) == REPLY


@pytest.mark.parametrize(
    "signature",
    ["Sent from TypeApp<http://www.typeapp.example/r?b=1>", "—Jamie", "–Jamie"],
)
def test_more_signatures_are_stripped_at_the_bottom(signature):
    assert visible_text(f"{REPLY}\n\n{signature}\n") == REPLY


@pytest.mark.parametrize(
    "text",
    [
        "Please check:\n-- the parking space\n-- the storage room\n-- the balcony\n\nThanks!",
        "Can we meet with jamie@lead.example on 12/03/2026 at 10:00? Agenda:\nPrice and parking.",
        "From: Sam Lee\nTo: Sales team\n\nI would like a viewing of the two-bedroom flat.",
        "Sent from London, where I am this week.",
    ],
)
def test_text_that_only_looks_like_history_or_a_signature_is_kept(text):
    assert visible_text(text) == text


def test_a_forward_in_another_language_is_kept_whole():
    text = ("Zie hieronder.\n\n---------- Doorgestuurd bericht ---------\nVan: bank@bank.example\n"
            "Datum: di 3 nov. 2026 om 09:12\nOnderwerp: Akkoord\n\nAkkoord.")
    assert visible_text(text) == text


@pytest.mark.parametrize(
    "container",
    [
        '<div class="x_gmail_quote">On Tue, Nov 3, 2026 at 9:12 AM Alex wrote:<br>{history}</div>',
        '<blockquote class="tutanota_quote">{history}</blockquote>',
        '<div class="yahoo_quoted" id="ydp1">{history}</div>',
    ],
)
def test_html_quote_containers_of_more_clients_are_stripped(container):
    history = container.format(history="<p>Dear Sam,</p><p>Viewing?</p>")
    html = f"<html><body><div>{REPLY}</div>{history}</body></html>"
    assert visible_text_html(html) == REPLY
