from bot.understanding import Understander


def test_a_status_change_keeps_the_gazetteer_but_a_new_name_rebuilds_it(session, make_agent, make_lead):
    alex = make_agent("Alex Morgan")
    john = make_lead("John Doe", owner=alex, status="contacted")
    u = Understander()
    first = u.gazetteer(session)
    john.status = "negotiating"  # moves updated_at, as every executed plan does
    session.flush()
    assert u.gazetteer(session) is first
    make_lead("Mary Poppins", owner=alex)
    assert u.gazetteer(session) is not first
