from sqlalchemy import select
from starlette.testclient import TestClient

from bot.context import AppContext
from bot.settings import Settings
from bot.web import build_app
from crm.models import AuditEntry, Lead


def client_for(engine) -> TestClient:
    return TestClient(build_app(AppContext(Settings(), _engine=engine)))


def test_health_reports_the_database(engine):
    assert client_for(engine).get("/healthz").json() == {"ok": True}


def test_one_click_unsubscribe_needs_a_post_and_is_audited(engine, committed):
    with committed.begin() as s:
        lead = Lead(name="Mary Poppins", email="mary@x.example", token="tok-123")
        s.add(lead)
    client = client_for(engine)
    page = client.get("/unsubscribe/tok-123")
    assert page.status_code == 200 and "<form" in page.text
    with committed() as s:
        assert s.scalar(select(Lead.opted_out_at).where(Lead.token == "tok-123")) is None
    # RFC 8058 one-click: the mailbox provider POSTs List-Unsubscribe=One-Click.
    done = client.post("/unsubscribe/tok-123", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "unsubscribed" in done.text
    with committed() as s:
        assert s.scalar(select(Lead.opted_out_at).where(Lead.token == "tok-123")) is not None
        assert s.scalar(select(AuditEntry.field).where(AuditEntry.channel == "web")) == "opted_out_at"


def test_an_unknown_unsubscribe_token_changes_nothing(engine, committed):
    resp = client_for(engine).post("/unsubscribe/<script>")
    assert resp.status_code == 404 and "<script>" not in resp.text
