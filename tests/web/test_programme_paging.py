"""The programme overview a page at a time, and its CSV streamed whole (issue 15)."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from sqlalchemy import select as sa_select

from tests.api.helpers import browser, import_programme
from tests.conftest import Clock
from tests.integration.walk import LEAD, create, seed_people, to_signoff
from tests.support.acting import send
from workflow.adapters import spreadsheet
from workflow.application.commands import CreateWorkStream
from workflow.application.queries import progress
from workflow.bootstrap import Runtime
from workflow.domain.errors import InvalidInput
from workflow.store.tables import WorkStreamRow
from workflow.web.pages import CSV_COLUMNS

ROW = re.compile(r'<tr class="govuk-table__row" data-ref="([^"]+)"')


def refs_on(page: str) -> list[str]:
    return ROW.findall(page)


def hrefs(page: str, rel: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'href="([^"]+)" rel="{rel}"', page)]


def more_streams(rt: Runtime, count: int) -> None:
    """``count`` more work streams beside the programme's 18, led by HMI Probation."""
    for i in range(count):
        send(
            rt,
            LEAD,
            CreateWorkStream(
                ref=f"extra-{i:03d}",
                title=f"Extra review {i:03d}",
                kind="review",
                fields={"lead": "HMI Probation", "supporting": ["HMI Prisons"]},
            ),
        )


def comparable(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["ref"], r["overdue"], r["next_deadline"], r["awaiting"]) for r in rows]


def test_the_overview_shows_fifty_a_page_with_links_keeping_filters_and_sort(
    rt: Runtime,
) -> None:
    seed_people(rt)
    import_programme(rt)
    more_streams(rt, 40)  # 58 in all
    client = browser(rt, "admin")
    first = client.get("/programme")
    assert first.status_code == 200
    assert len(refs_on(first.text)) == 50
    assert "58 work streams." in first.text and "page 1 of 2" in first.text
    assert "0 awaiting decisions." in first.text
    assert hrefs(first.text, "next") == ["/programme?page=2"]
    assert hrefs(first.text, "prev") == []
    second = client.get("/programme", params={"page": 2})
    assert len(refs_on(second.text)) == 8
    assert hrefs(second.text, "prev") == ["/programme"]
    assert not set(refs_on(first.text)) & set(refs_on(second.text))
    # Past the last page: the last page.
    assert refs_on(client.get("/programme?page=9").text) == refs_on(second.text)

    # Sorted by title, descending; the filters and the sort stay in every link.
    query = {"body": "HMIPRISONS", "sort": "title", "order": "desc"}
    by_title = client.get("/programme", params=query)
    assert by_title.status_code == 200
    shown = refs_on(by_title.text)
    everyone = progress.overview(rt, body="HMIPRISONS")
    expected = sorted(everyone, key=lambda r: (r["title"], r["id"]), reverse=True)
    assert shown == [r["ref"] for r in expected][:50]
    assert f"{len(everyone)} work streams match the filters." in by_title.text
    if len(everyone) > 50:
        assert hrefs(by_title.text, "next") == [
            "/programme?body=HMIPRISONS&sort=title&order=desc&page=2"
        ]
    # The heading sorted by links to the other direction; the filter form keeps the sort.
    assert 'aria-sort="descending"' in by_title.text
    assert 'href="/programme?body=HMIPRISONS&amp;sort=title" data-sort="title"' in by_title.text
    assert '<input type="hidden" name="sort" value="title">' in by_title.text
    # The CSV link carries the filters only: it is every page.
    assert 'href="/programme.csv?body=HMIPRISONS"' in by_title.text

    assert client.get("/programme", params={"sort": "colour"}).status_code == 422
    assert client.get("/programme", params={"order": "sideways"}).status_code == 422
    assert client.get("/programme", params={"page": 0}).status_code == 422


def test_the_csv_streams_every_page_with_the_filters(rt: Runtime) -> None:
    seed_people(rt)
    import_programme(rt)
    more_streams(rt, 40)
    client = browser(rt, "admin")
    with client.stream("GET", "/programme.csv") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "content-length" not in response.headers  # streamed
        assert response.headers["content-disposition"] == 'attachment; filename="programme.csv"'
        text = "".join(response.iter_text())
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 58
    # The same text as the whole list written at once by the same spreadsheet-safe writer.
    assert text == spreadsheet.as_csv(CSV_COLUMNS, progress.overview(rt))
    only = list(csv.DictReader(io.StringIO(client.get("/programme.csv?state=scoping").text)))
    assert {r["state"] for r in only} == {"scoping"}
    assert client.get("/programme.csv", params={"state": "nowhere"}).status_code == 422


def test_csv_batches_join_to_the_whole_csv() -> None:
    rows = [{"ref": f"r{i}", "title": "=SUM(A1)" if i == 3 else f"t{i}"} for i in range(7)]
    chunks = list(spreadsheet.csv_chunks(("ref", "title"), [rows[:3], rows[3:6], rows[6:]]))
    assert len(chunks) == 4
    assert "".join(chunks) == spreadsheet.as_csv(("ref", "title"), rows)
    assert "'=SUM(A1)" in chunks[2]


@pytest.mark.parametrize("overdue", [None, True, False])
def test_a_page_holds_what_the_whole_overview_holds(
    rt: Runtime, clock: Clock, overdue: bool | None
) -> None:
    """Paged, with the counts and the overdue flag in SQL, the rows are the overview's."""
    seed_people(rt)
    import_programme(rt)
    create(rt, "signed")
    to_signoff(rt, "signed")
    clock.advance(days=200)  # deadlines past, planned windows closed
    whole = progress.overview(rt, overdue=overdue)
    assert whole, "nothing to compare"
    count = -(-len(whole) // 7)
    pages = [
        progress.overview_page(rt, overdue=overdue, per_page=7, page=n) for n in range(1, count + 1)
    ]
    assert comparable([r for p in pages for r in p.rows]) == comparable(whole)
    assert all(p.total == len(whole) for p in pages)
    assert pages[0].overdue == sum(r["overdue"] for r in whole)
    # "signed" awaits its bodies' decisions on the report: counted from the indexed column.
    assert pages[0].awaiting == sum(bool(r["awaiting"]) for r in whole)
    assert overdue is False or pages[0].awaiting >= 1
    assert pages[0].pages == count
    batches = list(progress.overview_batches(rt, overdue=overdue, batch=4))
    assert comparable([r for b in batches for r in b]) == comparable(whole)
    assert any(r["next_deadline"] for r in whole) or overdue is False
    for sort in progress.SORTS:
        for descending in (False, True):
            page = progress.overview_page(rt, overdue=overdue, sort=sort, descending=descending)
            assert sorted(comparable(page.rows)) == sorted(comparable(whole))
    by_deadline = progress.overview_page(rt, sort="deadline").rows
    dated = [r["next_deadline"]["due"] for r in by_deadline if r["next_deadline"]]
    assert dated == sorted(dated) and by_deadline[: len(dated)] == [
        r for r in by_deadline if r["next_deadline"]
    ]
    with pytest.raises(InvalidInput):
        progress.overview_page(rt, sort="colour")


def test_the_inbox_reads_only_candidates_yet_finds_every_decision_awaited(rt: Runtime) -> None:
    """``awaiting`` reads only the work streams whose stored ``awaiting`` column names the
    body; what it finds must be exactly what reading every work stream of the body would
    find, and the column what each work stream's outstanding decisions say."""
    from tests.integration.walk import BODIES, agree_terms, register_terms, signatory
    from workflow.application.commands import FireTrigger, RecordDecision, RegisterDocument
    from workflow.application.queries import streams as queries

    create(rt, "nothing-yet")  # scoping, no terms registered
    create(rt, "terms-out")
    register_terms(rt, "terms-out")  # scoping: the terms await every body
    create(rt, "half-agreed")
    version = register_terms(rt, "half-agreed")
    send(
        rt,
        signatory(BODIES[0]),
        RecordDecision(
            key="half-agreed",
            body=BODIES[0],
            decision="approve",
            version=version,
            kind="terms_of_reference",
        ),
    )
    create(rt, "methodology-out")
    agree_terms(rt, "methodology-out")  # terms and methodology agreed
    create(rt, "findings-out")
    agree_terms(rt, "findings-out")
    send(rt, LEAD, FireTrigger(key="findings-out", trigger="start_fieldwork"))
    send(rt, LEAD, RegisterDocument(key="findings-out", kind="findings", content=b"Findings"))
    create(rt, "signing")
    to_signoff(rt, "signing")
    for body in BODIES:
        everyone = [
            row["ref"]
            for row in queries.list_streams(rt, body=body)
            if row["outstanding"] and body in row["outstanding"]["awaiting"]
        ]
        assert [row["ref"] for row in progress.awaiting(rt, body)] == everyone, body
    w = WorkStreamRow.__table__  # type: ignore[attr-defined]
    with rt.read() as session:
        found = session.execute(sa_select(w.c.ref, w.c.awaiting)).all()
    stored: dict[str, str | None] = {r.ref: r.awaiting for r in found}
    for row in queries.list_streams(rt):
        awaited = row["outstanding"]["awaiting"] if row["outstanding"] else []
        assert stored[row["ref"]] == (",".join(["", *awaited, ""]) if awaited else None)
    assert {r["ref"] for r in progress.awaiting(rt, BODIES[1])} == {
        "terms-out",
        "half-agreed",
        "findings-out",
        "signing",
    }
