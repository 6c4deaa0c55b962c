"""Safe text at input (issue 16): control characters and over-long text refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.application.commands import (
    AddFactualAccuracyComment,
    CreateWorkStream,
    FireTrigger,
)
from workflow.application.handlers.programme import load_programme
from workflow.application.inputs import (
    MAX_LONG_TEXT,
    MAX_PLAN_BYTES,
    MAX_PLAN_ENTRIES,
    MAX_TITLE,
    check_command_text,
    check_text,
)
from workflow.domain.bodies import DEFAULT_BODIES
from workflow.domain.errors import InvalidInput


@pytest.mark.parametrize(
    "evil", ["\x1b[2J", "\x00", "\x9b31m", "\u202egnp.exe", "\u2066x", "a\x7fb", "\x0bv"]
)
def test_control_characters_are_refused_in_titles_reasons_and_names(evil: str) -> None:
    commands = [
        CreateWorkStream(ref=None, title=f"Title {evil}", kind="review"),
        FireTrigger(key="mappa", trigger="withdraw", reason=f"Because {evil}"),
        AddFactualAccuracyComment(key="mappa", party=f"Police {evil}", text="ok"),
        CreateWorkStream(ref=None, title="ok", kind="review", fields={"summary": evil}),
    ]
    for command in commands:
        with pytest.raises(InvalidInput, match="contains control characters") as error:
            check_command_text(command)
        assert "\n" not in str(error.value)
    with pytest.raises(InvalidInput, match=r"actor contains control characters \(\\x1b\)"):
        check_text("actor", "Ann\x1b[31m")


def test_tab_and_newline_and_any_script_are_ordinary_text() -> None:
    check_command_text(
        FireTrigger(key="mappa", trigger="withdraw", reason="Line one\n\tLine two ŵ Ελλάδα")
    )


def test_every_free_text_field_has_a_limit() -> None:
    check_command_text(CreateWorkStream(ref=None, title="t" * MAX_TITLE, kind="review"))
    with pytest.raises(InvalidInput, match=rf"title is {MAX_TITLE + 1} characters long"):
        check_command_text(CreateWorkStream(ref=None, title="t" * (MAX_TITLE + 1), kind="review"))
    with pytest.raises(InvalidInput, match=rf"at most {MAX_LONG_TEXT} are accepted"):
        check_command_text(FireTrigger(key="m", trigger="withdraw", reason="r" * 10_001))
    with pytest.raises(InvalidInput, match="party is 201 characters long"):
        check_command_text(AddFactualAccuracyComment(key="m", party="p" * 201, text="t"))


def _plan(path: Path, entries: int, extra: str = "") -> Path:
    lines = [f"  - {{ref: entry-{n}, title: T, kind: review}}" for n in range(entries)]
    path.write_text(
        "plan: {code: big, title: Big" + extra + "}\nwork_streams:\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    return path


def test_plan_files_have_a_size_and_entry_limit_and_no_control_characters(
    tmp_path: Path,
) -> None:
    with pytest.raises(InvalidInput, match=rf"at most {MAX_PLAN_ENTRIES}, children included"):
        load_programme(_plan(tmp_path / "many.yaml", MAX_PLAN_ENTRIES + 1), DEFAULT_BODIES)
    huge = tmp_path / "huge.yaml"
    huge.write_text("#" * (MAX_PLAN_BYTES + 1), encoding="utf-8")
    with pytest.raises(InvalidInput, match=rf"at most {MAX_PLAN_BYTES} bytes"):
        load_programme(huge, DEFAULT_BODIES)
    evil = tmp_path / "evil.yaml"
    evil.write_text(
        'plan: {code: evil, title: "Evil \\e[2J"}\nwork_streams:\n'
        "  - {ref: one, title: One, kind: review}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match=r"evil.yaml: title contains control characters"):
        load_programme(evil, DEFAULT_BODIES)


def test_a_people_file_with_control_characters_is_refused(tmp_path: Path) -> None:
    from workflow.application.handlers.people import read_people_file

    path = tmp_path / "people.yaml"
    path.write_text(
        '- {username: evil, name: "Eve \\u202eliv", email: e@x.example, body: HMIC, roles: []}\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match=r"people.yaml: name contains control characters"):
        read_people_file(path)
