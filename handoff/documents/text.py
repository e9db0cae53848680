"""Visible text of a rendered HTML document, one sentence per block, for readability scoring."""

from html.parser import HTMLParser

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "td", "th", "dt", "dd", "div", "section", "header", "br", "tr"}
SKIP = {"head", "title", "style", "script"}


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _end_block(self):
        text = " ".join("".join(self.current).split())
        if text:
            # A list item or a heading is a sentence to the reader, even without a full stop.
            self.blocks.append(text if text[-1] in ".!?:" else text + ".")
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping += 1
        elif tag in BLOCKS:
            self._end_block()

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self._end_block()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)


def visible_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    collector._end_block()
    return "\n".join(collector.blocks)
