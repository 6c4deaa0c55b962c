"""No import cycle anywhere in the project, lazy imports included: so every module imports
on its own, whichever is imported first, and no cycle hides behind the order in which an
entry point happens to import things. (The import graph is read by grimp, the library
import-linter is built on; imports under ``if TYPE_CHECKING`` never run, so they are left
out.)"""

from __future__ import annotations

import grimp


def strongly_connected(adjacent: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in adjacent:
        if root in index:
            continue
        work = [(root, iter(adjacent[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(adjacent[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_module_takes_part_in_an_import_cycle() -> None:
    graph = grimp.build_graph("workflow", "tasks", "config", exclude_type_checking_imports=True)
    adjacent = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert len(adjacent) > 100, "the whole project was read"
    assert strongly_connected(adjacent) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert strongly_connected({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
