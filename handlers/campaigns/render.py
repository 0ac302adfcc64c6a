"""Campaign templates: written by users, so rendered in a Jinja2 sandbox.

A campaign template is one file with three blocks::

    {% block subject %}New homes at {{ lead.project }}{% endblock %}
    {% block text %}Hello {{ lead.first_name }}, ...{% endblock %}
    {% block html %}<p>Hello {{ lead.first_name }}, ...</p>{% endblock %}

``subject`` and ``text`` are required; without ``html`` the HTML part is made from the text.
The text and subject are rendered without escaping, the HTML block with autoescaping, from the
same source. Templates are code (listmonk warns that only trusted users may edit them), so:

- they run in Jinja2's ``ImmutableSandboxedEnvironment``: no attribute starting with ``_``, no
  mutation of the data, no huge ``range``; a template that reaches for Python internals
  (``{{ ''.__class__.__mro__ }}``) is refused with a clear error, before it is saved and again
  at render time;
- they only ever see plain values (strings, numbers, lists of dicts), never ORM objects, so
  there is no path from a template to the database session;
- sequence repetition and powers are capped, and so is the size of the output.

If a part does not contain the unsubscribe link, the footer from ``_footer.j2`` is appended, so
every message carries a plain unsubscribe link (RFC 8058 asks for one beside the header).
"""
from __future__ import annotations

import html as html_lib
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    nodes,
)
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import concat

from bot.templating import TEMPLATES
from crm.errors import InvalidInput, NotFound

CAMPAIGN_TEMPLATES = TEMPLATES / "campaigns"
SUFFIX = ".j2"
FOOTER = "_footer.j2"
REQUIRED_BLOCKS = ("subject", "text")
MAX_SEQUENCE = 100_000  # longest string or list a template may build with * (sandbox MAX_RANGE too)
MAX_OUTPUT_CHARS = 500_000
MAX_SUBJECT_CHARS = 250


class TemplateRefused(InvalidInput):
    """A campaign template that is unsafe or unusable; the message says why, for its author."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # ``lead.name`` on the plain dicts templates are given: the same value ``lead['name']``
        # gives (which the sandbox allows), without first failing an attribute lookup on dict.
        if type(obj) is dict and type(attribute) is str and attribute in obj and not attribute.startswith("_"):
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_SEQUENCE:
                    raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> Any:
    # A missing field prints as nothing, not as "None".
    return "" if value is None else value


def _money(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def _sandbox(loader: FileSystemLoader, *, autoescape: bool) -> _Sandbox:
    env = _Sandbox(loader=loader, autoescape=autoescape, undefined=StrictUndefined, finalize=_finalize,
                   trim_blocks=True, lstrip_blocks=True, auto_reload=True)
    env.filters["money"] = _money
    return env


@dataclass(frozen=True)
class CampaignTemplate:
    label: str
    plain: Any  # jinja2.Template compiled without escaping (subject, text)
    html: Any  # the same source compiled with autoescaping (html)
    has_html: bool
    # Each template's globals as a plain dict, copied once (the sandboxes' globals are set up
    # before any template is compiled): Jinja's own new_context() walks the chained globals
    # mapping twice per render, which costs more than rendering the subject.
    plain_globals: dict[str, Any] = field(init=False, repr=False, compare=False)
    html_globals: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain_globals", dict(self.plain.globals))
        object.__setattr__(self, "html_globals", dict(self.html.globals))

    def plain_context(self, values: Mapping[str, Any]) -> Context:
        return _new_context(self.plain, self.plain_globals, values)

    def html_context(self, values: Mapping[str, Any]) -> Context:
        return _new_context(self.html, self.html_globals, values)


def _new_context(template: Any, template_globals: dict[str, Any], values: Mapping[str, Any]) -> Context:
    """What ``template.new_context(values)`` returns: the values over the globals, in a fresh dict."""
    env = template.environment
    return env.context_class(env, {**template_globals, **values}, template.name, template.blocks,
                             globals=template_globals)


class Renderer:
    """Compiles and renders campaign templates; one per process is enough (it caches)."""

    def __init__(self, *, directory: Path = CAMPAIGN_TEMPLATES) -> None:
        self.directory = Path(directory)
        loader = FileSystemLoader(self.directory)
        self._plain = _sandbox(loader, autoescape=False)
        self._html = _sandbox(loader, autoescape=True)
        self._by_source: dict[str, CampaignTemplate] = {}
        self._by_name: dict[str, tuple[CampaignTemplate, Callable[[], bool]]] = {}
        self._footer: CampaignTemplate | None = None

    def available(self) -> list[str]:
        """Template names users can pick (files starting with ``_`` are parts, not templates)."""
        return sorted(p.name[: -len(SUFFIX)] for p in self.directory.glob(f"*{SUFFIX}") if not p.name.startswith("_"))

    def load(self, *, name: str | None = None, source: str | None = None, label: str | None = None) -> CampaignTemplate:
        """A template by name (from templates/campaigns/) or from its source text, checked."""
        if source is None:
            if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) or name.startswith("_"):
                raise NotFound(f"no campaign template named {name!r}")
            filename = name if name.endswith(SUFFIX) else name + SUFFIX
            cached = self._by_name.get(filename)
            if cached is not None and cached[1]():  # the file has not changed since
                return cached[0]
            try:
                source, _, uptodate = self._plain.loader.get_source(self._plain, filename)  # type: ignore[union-attr]
            except TemplateNotFound:
                raise NotFound(f"no campaign template named {name!r} (have: {', '.join(self.available()) or 'none'})") from None
            compiled = self._compile(source, label=label or name, required=REQUIRED_BLOCKS)
            self._by_name[filename] = (compiled, uptodate or (lambda: False))
            return compiled
        return self._compile(source, label=label or "template", required=REQUIRED_BLOCKS)

    def _compile(self, source: str, *, label: str, required: tuple[str, ...]) -> CampaignTemplate:
        cached = self._by_source.get(source)
        if cached is not None:
            return cached
        try:
            tree = self._plain.parse(source, name=label)
        except TemplateSyntaxError as exc:
            raise TemplateRefused(f"{label}: syntax error at line {exc.lineno}: {exc.message}") from None
        check_template(tree, label=label)
        blocks = {b.name for b in tree.find_all(nodes.Block)}
        missing = [b for b in required if b not in blocks]
        if missing:
            raise TemplateRefused(f"{label}: missing {' and '.join(f'{{% block {b} %}}' for b in missing)}")
        compiled = CampaignTemplate(
            label=label,
            plain=self._plain.from_string(source),
            html=self._html.from_string(source),
            has_html="html" in blocks,
        )
        if len(self._by_source) > 64:
            self._by_source.clear()
        self._by_source[source] = compiled
        return compiled

    def render(self, template: CampaignTemplate, context: Mapping[str, Any]) -> RenderedEmail:
        try:
            plain_ctx = template.plain_context(context)
            subject = " ".join(concat(template.plain.blocks["subject"](plain_ctx)).split())
            text = _tidy(concat(template.plain.blocks["text"](plain_ctx)))
            if template.has_html:
                html = concat(template.html.blocks["html"](template.html_context(context))).strip()
            else:
                html = _html_from_text(text)
        except SecurityError:
            raise TemplateRefused(f"{template.label}: {_where(template.label)}tries to reach Python internals, "
                                  "which campaign templates may not do") from None
        except UndefinedError as exc:
            raise TemplateRefused(f"{template.label}: {_where(template.label)}uses something that is not defined "
                                  f"({exc.message})") from None
        except (TemplateError, TypeError, ValueError, ArithmeticError, OverflowError) as exc:
            raise TemplateRefused(f"{template.label}: {_where(template.label)}could not be rendered "
                                  f"({type(exc).__name__})") from None
        if not subject:
            raise TemplateRefused(f"{template.label}: the subject is empty")
        if len(subject) > MAX_SUBJECT_CHARS or len(text) + len(html) > MAX_OUTPUT_CHARS:
            raise TemplateRefused(f"{template.label}: the rendered email is too long")
        if context.get("unsubscribe_url"):
            text, html = self._with_footer(text, html, context)
        return RenderedEmail(subject=subject, text=text, html=html)

    def _with_footer(self, text: str, html: str, context: Mapping[str, Any]) -> tuple[str, str]:
        url = str(context["unsubscribe_url"])
        if self._footer is None:
            source = self._plain.loader.get_source(self._plain, FOOTER)[0]  # type: ignore[union-attr]
            self._footer = self._compile(source, label=FOOTER, required=("text", "html"))
        footer = self._footer
        if url not in text:
            plain_ctx = footer.plain_context(context)
            text = text + "\n\n" + _tidy(concat(footer.plain.blocks["text"](plain_ctx)))
        if html_lib.escape(url) not in html and url not in html:
            html_ctx = footer.html_context(context)
            html = html + "\n" + concat(footer.html.blocks["html"](html_ctx)).strip()
        return text, html


def check_template(tree: nodes.Template, *, label: str) -> None:
    """Refuse what a campaign template has no business doing, with the line it happens on."""
    unsafe: list[tuple[int, str]] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Extends)):
        if isinstance(node, nodes.Extends):
            raise TemplateRefused(f"{label}: line {node.lineno}: `extends` is not supported; "
                                  "put the subject, text and html blocks in one file")
        name = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args and isinstance(node.args[0], nodes.Const):
            name = str(node.args[0].value)
        if name is not None and name.startswith("_"):
            unsafe.append((node.lineno, name))
    if unsafe:
        # The walk meets ``a.b.c`` from the outside in; name the first step, as the author wrote it.
        line = min(n for n, _ in unsafe)
        name = [name for n, name in unsafe if n == line][-1]
        raise TemplateRefused(f"{label}: line {line}: `{name}` is a Python internal; "
                              "campaign templates may only use the fields they are given")


def _where(label: str) -> str:
    """'line N ' of the template frame in the current exception's traceback, if there is one."""
    tb = sys.exc_info()[2]
    for frame in reversed(traceback.extract_tb(tb)):
        if frame.filename == label or frame.filename == "<template>":
            return f"line {frame.lineno} "
    return ""


def _tidy(text: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, no blank start or end."""
    text = "\n".join(map(str.rstrip, text.replace("\r\n", "\n").split("\n")))
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


_BLANK_LINES = re.compile(r"\n{3,}")


def _html_from_text(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n".join("<p>" + html_lib.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
