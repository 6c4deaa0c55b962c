"""Control characters in text are found and shown escaped: a terminal never obeys them."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from workflow.cli.output import safe_json
from workflow.domain.safe_text import control_characters, escape, is_safe

BIDI = [
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\u200e",
    "\u200f",
]
C0 = [chr(c) for c in range(0x20) if chr(c) not in "\t\n"]
C1 = [chr(c) for c in range(0x80, 0xA0)]


def test_every_c0_c1_and_bidi_control_is_found_but_tab_and_newline_are_text() -> None:
    for char in [*C0, "\x7f", *C1, *BIDI]:
        assert control_characters(f"a{char}b") == [char], hex(ord(char))
        assert not is_safe(char)
    assert control_characters("tab\tand\nnewline") == []
    assert is_safe("Åsa Ó Súilleabháin — HMI Probation, 北京, العربية, 🙂")


def test_each_character_is_listed_once_in_order_of_first_appearance() -> None:
    assert control_characters("\u202ex\x1by\u202e\x1b") == ["\u202e", "\x1b"]


def test_escape_writes_each_control_as_it_would_be_typed() -> None:
    assert escape("evil\x1b[2J") == "evil\\x1b[2J"
    assert escape("abc\u202edef") == "abc\\u202edef"
    assert escape("\x00\x9b\x7f\u2066\u200f") == "\\x00\\x9b\\x7f\\u2066\\u200f"
    assert escape("line one\n\tline two") == "line one\n\tline two"


@given(st.text())
def test_escaped_text_is_always_safe_and_safe_text_is_unchanged(text: str) -> None:
    escaped = escape(text)
    assert is_safe(escaped)
    assert (escaped == text) == is_safe(text)


@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_json_output_is_terminal_safe_and_still_the_same_data(data: object) -> None:
    text = safe_json(data)
    assert is_safe(text)
    assert json.loads(text) == data
