"""No import cycles between the modules of app/: each module stands above what it imports.

Two kinds of edge are not dependencies and are left out: create_app's imports (app/__init__,
the composition root, imports every room), and a package importing its own submodules so
that their routes register on the blueprint the package defines (the submodules import the
blueprint back from it)."""

import grimp


def dependencies() -> dict[str, set[str]]:
    graph = grimp.build_graph("app")
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        if module == "app":
            continue
        imported = graph.find_modules_directly_imported_by(module)
        edges[module] = {
            other for other in imported if other != "app" and not other.startswith(module + ".")
        }
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(edges.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_no_module_of_app_imports_itself_through_others() -> None:
    assert cycles(dependencies()) == []


def test_a_cycle_is_found() -> None:
    edges = {"app.a": {"app.b"}, "app.b": {"app.c"}, "app.c": {"app.a"}, "app.d": {"app.a"}}
    assert cycles(edges) == [["app.a", "app.b", "app.c"]]
