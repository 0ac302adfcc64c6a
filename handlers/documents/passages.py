"""Split blocks into passages of about 100-200 words that keep their heading path and page.

The embedding model reads at most 256 word pieces (about 190 English words), so passages are
packed up to ``target_words``; a shorter passage is better than one whose tail the model never
sees. A section too short to stand alone is merged with the following sections of the same page
(its heading goes inline), and a passage never spans two pages, so a citation's page is exact.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from handlers.documents.parse import Block
from handlers.documents.text import sentences, word_count

TARGET_WORDS = 170
MIN_WORDS = 80


@dataclass
class Passage:
    text: str
    headings: tuple[str, ...]
    page: int | None
    index: int = 0

    @property
    def heading(self) -> str:
        return " > ".join(self.headings)


@dataclass
class _Draft:
    page: int | None
    sections: list[tuple[str, ...]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    words: int = 0

    def headings(self) -> tuple[str, ...]:
        if len(self.sections) == 1:
            return self.sections[0]
        # Several short sections merged: their common path, then each one's own path.
        common: list[str] = []
        for parts in zip(*self.sections):
            if len(set(parts)) != 1:
                break
            common.append(parts[0])
        rest = [" > ".join(s[len(common):]) for s in self.sections if len(s) > len(common)]
        rest = list(dict.fromkeys(rest))
        return tuple(common) + ((" · ".join(rest),) if rest else ())


def _pieces(block: Block, limit: int) -> list[str]:
    """A block, or its sentences grouped to fit ``limit`` words when it is too long."""
    if word_count(block.text) <= limit:
        return [block.text]
    out: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in sentences(block.text):
        n = word_count(sentence)
        if current and count + n > limit:
            out.append(" ".join(current))
            current, count = [], 0
        current.append(sentence)
        count += n
    if current:
        out.append(" ".join(current))
    return out


def split_passages(blocks: list[Block], *, target_words: int = TARGET_WORDS,
                   min_words: int = MIN_WORDS) -> list[Passage]:
    drafts: list[_Draft] = []
    current: _Draft | None = None
    for block in blocks:
        for piece in _pieces(block, target_words):
            n = word_count(piece)
            new_section = current is not None and block.headings not in current.sections
            if current is not None and (
                block.page != current.page
                or current.words + n > target_words
                or (new_section and current.words >= min_words)
            ):
                drafts.append(current)
                current = None
            if current is None:
                current = _Draft(page=block.page)
            if block.headings not in current.sections:
                if current.sections and block.headings:
                    current.lines.append(block.headings[-1])  # merged section: its heading goes inline
                current.sections.append(block.headings)
            current.lines.append(piece)
            current.words += n
    if current is not None:
        drafts.append(current)
    # A short tail joins the passage before it when they share a section and page.
    merged: list[_Draft] = []
    for draft in drafts:
        prev = merged[-1] if merged else None
        if (prev is not None and draft.words < min_words // 2 and prev.page == draft.page
                and prev.sections[-1] == draft.sections[0] and prev.words + draft.words <= target_words * 1.25):
            prev.lines.extend(draft.lines)
            prev.words += draft.words
            prev.sections.extend(s for s in draft.sections if s not in prev.sections)
            continue
        merged.append(draft)
    return [Passage(text="\n".join(d.lines), headings=d.headings(), page=d.page, index=i)
            for i, d in enumerate(merged)]
