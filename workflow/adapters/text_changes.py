"""The changes between two versions' texts, for a person to read (stdlib ``difflib``).

A signatory who approved one version and is asked to decide on a newer one reads what
changed between the two previews (``document_files.preview_text``): the lines taken out
and put in, each with a little unchanged text around it, in hunks headed by where they
are in the new version. A long list is cut, saying how many lines were left out; the
counts of lines added and removed are always of everything.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

#: What each line is: unchanged context, removed, added, or the heading of a hunk.
SIGNS = {" ": "unchanged", "-": "removed", "+": "added", "@": "where"}


@dataclass(frozen=True)
class ChangedLine:
    sign: str  # one of SIGNS
    text: str

    @property
    def kind(self) -> str:
        return SIGNS[self.sign]

    @property
    def marked(self) -> str:
        """The line as plain text shows it: ``- removed``, ``+ added``, ``  unchanged``."""
        if self.sign == "@":
            return f"@@ {self.text} @@"
        return f"{self.sign} {self.text}"


@dataclass(frozen=True)
class TextChanges:
    lines: tuple[ChangedLine, ...]
    added: int
    removed: int
    left_out: int  # lines of the full list not in ``lines``


def text_changes(old: str, new: str, *, context: int = 2, limit: int = 400) -> TextChanges:
    """The lines removed from ``old`` and added in ``new``, with ``context`` unchanged
    lines around each change, at most ``limit`` lines in all."""
    before, after = old.splitlines(), new.splitlines()
    lines: list[ChangedLine] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, before, after)
    for group in matcher.get_grouped_opcodes(context):
        lines.append(ChangedLine("@", f"From line {group[0][3] + 1} of the new version"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [ChangedLine(" ", text) for text in before[i1:i2]]
                continue
            lines += [ChangedLine("-", text) for text in before[i1:i2]]
            lines += [ChangedLine("+", text) for text in after[j1:j2]]
            removed += i2 - i1
            added += j2 - j1
    return TextChanges(tuple(lines[:limit]), added, removed, max(0, len(lines) - limit))
