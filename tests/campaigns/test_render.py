"""Campaign templates render in a sandbox: data in, words out, nothing else reachable."""
from __future__ import annotations

import pytest

from handlers.campaigns.render import Renderer, TemplateRefused

LEAD = {"name": "Zoë O'Brien", "first_name": "Zoë", "last_name": "O'Brien", "email": "zoe@brightwave.example",
        "phone": None, "company": None, "project": "Beachgate", "unit_type": "2BR", "budget_min": 900000,
        "budget_max": 1200000, "status": "contacted", "source": "portal"}
AGENT = {"name": "Alex Morgan", "first_name": "Alex", "email": "alex@agency.example"}
CONTEXT = {"lead": LEAD, "agent": AGENT, "campaign": {"name": "Launch"}, "passages": [], "personal_paragraph": "",
           "unsubscribe_url": "https://crm.example.test/unsubscribe/tok123"}


def template(subject: str = "Hi {{ lead.first_name }}", text: str = "Hello {{ lead.first_name }}",
             html: str | None = "<p>Hello {{ lead.first_name }}</p>") -> str:
    src = f"{{% block subject %}}{subject}{{% endblock %}}\n{{% block text %}}{text}{{% endblock %}}\n"
    if html is not None:
        src += f"{{% block html %}}{html}{{% endblock %}}\n"
    return src


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.mark.parametrize("attack", [
    "{{ ''.__class__.__mro__ }}",
    "{{ lead.name.__class__.__base__.__subclasses__() }}",
    "{{ lead['__class__'] }}",
    "{{ lead|attr('__class__') }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_a_template_reaching_for_python_internals_is_refused_before_it_is_saved(renderer, attack):
    with pytest.raises(TemplateRefused) as refused:
        renderer.load(source=template(text=f"Hello {attack}"), label="evil.j2")
    message = str(refused.value)
    assert message.startswith("evil.j2: line 2:")
    assert "Python internal" in message


def test_an_attack_hidden_in_a_variable_is_refused_when_rendering(renderer):
    # The attribute name is built at run time, so no static check can see it; the sandbox does.
    source = template(text="{% set name = '__cla' ~ 'ss__' %}{{ lead.name|attr(name) }}")
    compiled = renderer.load(source=source, label="sneaky.j2")
    with pytest.raises(TemplateRefused) as refused:
        renderer.render(compiled, CONTEXT)
    assert "tries to reach Python internals" in str(refused.value)


def test_a_template_cannot_change_the_data_it_is_given(renderer):
    compiled = renderer.load(source=template(text="{{ lead.update({'email': 'x@evil.example'}) }}"))
    with pytest.raises(TemplateRefused):
        renderer.render(compiled, CONTEXT)
    assert LEAD["email"] == "zoe@brightwave.example"


@pytest.mark.parametrize("bomb", ["{{ 'x' * 100000000 }}", "{{ range(10000000)|list|length }}", "{{ 9 ** 99999 }}"])
def test_templates_cannot_build_huge_outputs(renderer, bomb):
    compiled = renderer.load(source=template(text=bomb))
    with pytest.raises(TemplateRefused):
        renderer.render(compiled, CONTEXT)


def test_missing_blocks_and_syntax_errors_say_what_is_wrong(renderer):
    with pytest.raises(TemplateRefused, match=r"missing \{% block subject %\}"):
        renderer.load(source="{% block text %}Hi{% endblock %}", label="t.j2")
    with pytest.raises(TemplateRefused, match=r"t.j2: syntax error at line 2"):
        renderer.load(source="{% block subject %}x{% endblock %}\n{% block text %}{% if %}{% endblock %}", label="t.j2")
    with pytest.raises(TemplateRefused, match="extends"):
        renderer.load(source="{% extends 'new_launch.j2' %}", label="t.j2")


def test_an_unknown_field_is_an_error_not_an_empty_gap(renderer):
    compiled = renderer.load(source=template(text="Hello {{ lead.nickname }}"), label="t.j2")
    with pytest.raises(TemplateRefused, match="not defined"):
        renderer.render(compiled, CONTEXT)


def test_html_is_escaped_and_text_is_not(renderer):
    compiled = renderer.load(source=template(text="{{ lead.last_name }} <{{ lead.email }}>",
                                             html="<p>{{ lead.last_name }} &lt;{{ lead.email }}&gt;</p>"))
    out = renderer.render(compiled, {**CONTEXT, "lead": {**LEAD, "last_name": "O'Brien<script>"}})
    assert out.text.startswith("O'Brien<script> <zoe@brightwave.example>")
    assert "<script>" not in out.html and "O&#39;Brien&lt;script&gt;" in out.html


def test_empty_fields_print_as_nothing_and_money_is_readable(renderer):
    compiled = renderer.load(source=template(text="[{{ lead.company }}] {{ lead.budget_min|money }}"))
    assert renderer.render(compiled, CONTEXT).text.startswith("[] 900,000")


def test_the_unsubscribe_link_is_added_when_a_template_forgets_it(renderer):
    compiled = renderer.load(source=template())
    out = renderer.render(compiled, CONTEXT)
    assert out.text.startswith("Hello Zoë")
    assert "Unsubscribe with one click: https://crm.example.test/unsubscribe/tok123" in out.text
    assert '<a href="https://crm.example.test/unsubscribe/tok123">' in out.html


def test_a_template_that_has_the_link_gets_no_second_one(renderer):
    compiled = renderer.load(source=template(text="Bye: {{ unsubscribe_url }}",
                                             html='<a href="{{ unsubscribe_url }}">bye</a>'))
    out = renderer.render(compiled, CONTEXT)
    assert out.text == "Bye: https://crm.example.test/unsubscribe/tok123"
    assert out.html.count("unsubscribe/tok123") == 1


def test_without_an_html_block_the_html_part_is_made_from_the_text(renderer):
    compiled = renderer.load(source=template(text="Line one\nline two\n\nA & B", html=None))
    out = renderer.render(compiled, CONTEXT)
    assert out.html.startswith("<p>Line one<br>\nline two</p>\n<p>A &amp; B</p>")


def test_the_subject_is_one_line(renderer):
    compiled = renderer.load(source=template(subject="\n  {{ lead.project }}\n  news  \n"))
    assert renderer.render(compiled, CONTEXT).subject == "Beachgate news"


def test_the_demo_template_renders_for_a_lead_with_and_without_a_project(renderer):
    compiled = renderer.load(name="new_launch")
    out = renderer.render(compiled, {**CONTEXT, "passages": [{"text": "A rooftop pool.", "title": "Brochure",
                                                                "heading": ""}],
                                     "personal_paragraph": "Beachgate's sea-facing 2BRs suit you."})
    assert out.subject == "Beachgate: new 2BR released, Zoë"
    assert "900,000 to 1,200,000" in out.text and "- A rooftop pool." in out.text
    assert "Beachgate's sea-facing 2BRs suit you." in out.text
    assert "<li>A rooftop pool.</li>" in out.html
    bare = renderer.render(compiled, {**CONTEXT, "lead": {**LEAD, "project": None, "unit_type": None,
                                                           "budget_min": None}})
    assert bare.subject == "New homes released this month, Zoë"
    assert "Alex Morgan" in bare.text and "https://crm.example.test/unsubscribe/tok123" in bare.text


def test_only_real_templates_are_offered_by_name(renderer):
    assert "new_launch" in renderer.available()
    assert not any(name.startswith("_") for name in renderer.available())
    with pytest.raises(Exception, match="no campaign template named"):
        renderer.load(name="../web/unsubscribe_done.html")
    with pytest.raises(Exception, match="no campaign template named"):
        renderer.load(name="_footer")


def test_globals_and_loops_work_and_nothing_set_in_one_render_reaches_the_next(renderer):
    source = template(text="{% for i in range(2) %}{{ loop.index }}{% endfor %}"
                           "{% set ns = namespace(n=0) %}{% set ns.n = ns.n + 1 %}{{ ns.n }}"
                           "{% if lead.first_name == 'Zoë' %}{% set greeting = 'Hi' %}{% endif %}"
                           "{{ greeting | default('Hello') }} {{ lead.first_name }}")
    compiled = renderer.load(source=source, label="state.j2")
    first = renderer.render(compiled, CONTEXT)
    other = renderer.render(compiled, {**CONTEXT, "lead": {**LEAD, "first_name": "Max"}})
    assert first.text.startswith("121Hi Zoë")
    assert other.text.startswith("121Hello Max")
