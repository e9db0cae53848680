"""Visible text of a rendered HTML document, one sentence per block, for readability scoring.

`split_visible_text` also separates the stretches marked with another `lang` (free text left
untranslated, DESIGN 3.6): the reading grade counts them as hard instead of ignoring them.
Page furniture marked `aria-hidden="true"` (the summary's running footer, repeated at the foot of every printed
page and hidden from screen readers) is not part of the text: a reading formula samples a text's sentences, not its
page headers and footers.
"""

from html.parser import HTMLParser

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "td", "th", "dt", "dd", "div", "section", "header", "br", "tr"}
SKIP = {"head", "title", "style", "script"}
VOID = {"br", "img", "hr", "meta", "link", "input"}


class _TextCollector(HTMLParser):
    def __init__(self, lang: str | None = None):
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.blocks: list[str] = []
        self.foreign: list[str] = []
        self.current: list[str] = []
        self.foreign_current: list[str] = []
        self.skipping = 0
        self.hidden: list = []  # [tag, depth] of the aria-hidden element being skipped
        self.langs: list[str | None] = []  # the lang of each open element (None: inherited)

    def _foreign(self) -> bool:
        declared = next((lang for lang in reversed(self.langs) if lang), None)
        return self.lang is not None and declared is not None and declared.split("-")[0] != self.lang

    def _end_block(self):
        for parts, out in ((self.current, self.blocks), (self.foreign_current, self.foreign)):
            text = " ".join("".join(parts).split())
            if text:
                # A list item or a heading is a sentence to the reader, even without a full stop.
                out.append(text if text[-1] in ".!?:" else text + ".")
        self.current, self.foreign_current = [], []

    def handle_starttag(self, tag, attrs):
        if self.hidden:
            if tag == self.hidden[0]:
                self.hidden[1] += 1  # the same tag nested inside the hidden element
        elif tag not in VOID and dict(attrs).get("aria-hidden") == "true":
            self.hidden = [tag, 1]
            self.skipping += 1
        if tag in SKIP:
            self.skipping += 1
        elif tag in BLOCKS:
            self._end_block()
        if tag not in VOID and tag != "html":
            self.langs.append(dict(attrs).get("lang"))

    def handle_endtag(self, tag):
        if self.hidden and tag == self.hidden[0]:
            self.hidden[1] -= 1
            if not self.hidden[1]:
                self.hidden = []
                self.skipping -= 1
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self._end_block()
        if tag not in VOID and tag != "html" and self.langs:
            self.langs.pop()

    def handle_data(self, data):
        if self.skipping:
            return
        if self._foreign():
            self.foreign_current.append(data)
            self.current.append(" ")
        else:
            self.current.append(data)


def _collect(html: str, lang: str | None) -> _TextCollector:
    collector = _TextCollector(lang)
    collector.feed(html)
    collector.close()
    collector._end_block()
    return collector


def visible_text(html: str) -> str:
    return "\n".join(_collect(html, None).blocks)


def split_visible_text(html: str, lang: str) -> tuple[str, list[str]]:
    """(the text in `lang`, one sentence per block; the stretches marked as another language)."""
    collector = _collect(html, lang)
    return "\n".join(collector.blocks), collector.foreign
