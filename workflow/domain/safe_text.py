"""Text that is safe to show on a terminal: control characters found and escaped.

A name, a title or a comment comes from a person or a file, and may carry characters that
a terminal obeys rather than shows: ESC starts a sequence that can clear the screen, move
the cursor or retitle the window; the C1 control U+009B is the same CSI on many
terminals; and the Unicode bidirectional overrides and isolates can make a line read in
another order than it is stored ("Trojan Source"). Tab and newline are ordinary text.

Pure: the standard library only.
"""

from __future__ import annotations

import re

#: Bidirectional embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), and
#: the left-to-right and right-to-left marks (U+200E, U+200F).
BIDI_CONTROLS = frozenset(
    [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\u200e", "\u200f"]
)

#: C0 controls except tab and newline, DEL, and the C1 controls (U+0080–U+009F).
_C0_C1 = "\x00-\x08\x0b-\x1f\x7f-\x9f"
#: One unsafe character (tab and newline are safe).
UNSAFE = re.compile(f"[{_C0_C1}\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def control_characters(text: str) -> list[str]:
    """The unsafe characters in ``text``, in order of first appearance, each once."""
    return list(dict.fromkeys(UNSAFE.findall(text)))


def is_safe(text: str) -> bool:
    """True when ``text`` has no control character a terminal would act on."""
    return UNSAFE.search(text) is None


def describe(char: str) -> str:
    """How one character is written in an escape and in a message: ``\\x1b``, ``\\u202e``."""
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with every unsafe character written as an escape, so that it is seen.

    ESC becomes the four characters ``\\x1b`` and U+202E the six characters ``\\u202e``;
    tab, newline and every printable character (in any script) are left as they are. A
    backslash already in the text is left alone too, so the result is for reading, not for
    decoding back.
    """
    return UNSAFE.sub(lambda match: describe(match.group()), text)
