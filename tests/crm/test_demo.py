from sqlalchemy import func, select

from crm.demo import load_demo
from crm.models import LEAD_STATUSES, Agent, FollowUp, Interaction, Lead


def test_demo_data_is_realistic_and_loads_once(session, now):
    report = load_demo(session, now=now)
    assert report.agents == 4 and 45 <= report.leads <= 60
    statuses = set(session.scalars(select(Lead.status).distinct()))
    assert len(statuses) >= 6 and statuses <= set(LEAD_STATUSES)
    assert session.scalar(select(func.count()).select_from(Interaction)) == report.interactions > 50
    due = session.scalars(select(FollowUp.due_at)).all()
    assert any(d < now for d in due) and any(d > now for d in due)
    assert session.scalar(select(func.count()).select_from(Agent).where(Agent.role == "admin")) == 1
    again = load_demo(session, now=now)
    assert again.already_loaded
    assert session.scalar(select(func.count()).select_from(Lead)) == report.leads
