"""Two revisions compared the way people read them: words inserted and deleted,
inside headings, paragraphs and list items shown as text, never as HTML tags."""

import difflib
from dataclasses import dataclass, field
from html.parser import HTMLParser

BLOCKS = {"p": "paragraph", "li": "item", "blockquote": "quote"}
BLOCKS.update({f"h{level}": "heading" for level in range(1, 7)})
# A token that starts a block; it never occurs in text (it holds a NUL).
BLOCK_START = "\x00"


class _TextBlocks(HTMLParser):
    """Article HTML → [(kind, text)]: each heading, paragraph and list item, with
    each link's address after its words so a changed link shows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.kind, self.words, self.href = [], None, [], None
        self.items_open = 0  # the editor keeps each list item's text in a <p>

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self.items_open += 1
        if tag in BLOCKS:
            self._close()
            self.kind = "item" if tag == "p" and self.items_open else BLOCKS[tag]
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag == "br":
            self.words.append(" ")

    def handle_endtag(self, tag):
        if tag == "li":
            self.items_open = max(0, self.items_open - 1)
        if tag == "a" and self.href:
            self.words.append(f" (link to {self.href})")
            self.href = None
        elif tag in BLOCKS:
            self._close()

    def handle_data(self, data):
        self.words.append(data)

    def _close(self):
        text = " ".join("".join(self.words).split())
        if text:
            self.blocks.append((self.kind or "paragraph", text))
        self.kind, self.words = None, []

    def close(self):
        super().close()
        self._close()


def text_blocks(html):
    parser = _TextBlocks()
    parser.feed(html or "")
    parser.close()
    return parser.blocks


@dataclass
class Block:
    """One block of the compared text: its kind and [(change, words)] where change is
    "same", "inserted" or "deleted"."""

    kind: str
    parts: list = field(default_factory=list)

    def add(self, change, words):
        if not words:
            return
        if self.parts and self.parts[-1][0] == change:
            self.parts[-1] = (change, f"{self.parts[-1][1]} {words}")
        else:
            self.parts.append((change, words))

    @property
    def changed(self):
        return any(change != "same" for change, _ in self.parts)


def _tokens(blocks):
    tokens = []
    for kind, text in blocks:
        tokens.append(BLOCK_START + kind)
        tokens.extend(text.split())
    return tokens


def compare_blocks(old_blocks, new_blocks):
    """Word-level differences between two lists of (kind, text), as [Block]. A block
    that was removed whole shows as a deleted block of its own."""
    old, new = _tokens(old_blocks), _tokens(new_blocks)
    result = [Block("paragraph")]

    def emit(change, tokens):
        words = []
        for token in tokens:
            if token.startswith(BLOCK_START):
                result[-1].add(change, " ".join(words))
                words = []
                result.append(Block(token[1:]))
            else:
                words.append(token)
        result[-1].add(change, " ".join(words))

    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            emit("same", new[new_start:new_end])
            continue
        if operation in ("delete", "replace"):
            emit("deleted", old[old_start:old_end])
        if operation in ("insert", "replace"):
            emit("inserted", new[new_start:new_end])
    return [block for block in result if block.parts]


def compare_html(old_html, new_html):
    return compare_blocks(text_blocks(old_html), text_blocks(new_html))


def compare_text(old, new):
    """Plain text fields (title, summary, sources): one block per line."""

    def lines(text):
        return [("paragraph", line) for line in (text or "").splitlines() if line.strip()]

    return compare_blocks(lines(old), lines(new))
