"""The graph of ``ON DELETE CASCADE`` foreign keys: what one DELETE reaches, how deep, and by which chain.

Walks are linear: strongly connected components (iterative Tarjan) turn cycles into single nodes, and
the tables each component reaches and its longest chain are computed once per component, children
first, then reused by every parent. Chains for the evidence are computed only for the roots a rule
reports (one breadth-first walk each).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from dbaudit.model.schema import ForeignKey, ReferentialAction, SchemaModel

Edge = tuple[str, ForeignKey]  # (child table, the foreign key of the child)


@dataclass(frozen=True)
class CascadeGraph:
    """``edges[parent]`` lists (child, fk) for every ON DELETE CASCADE key of a plain or partitioned
    table; a table's key to itself is left out (it deletes rows of the same table)."""

    edges: Mapping[str, tuple[Edge, ...]]

    @classmethod
    def of(cls, model: SchemaModel) -> CascadeGraph:
        edges: dict[str, list[Edge]] = {}
        for table in model.base_tables:
            for fk in table.foreign_keys:
                if fk.on_delete is ReferentialAction.CASCADE and fk.ref_qualified != table.qualified_name:
                    edges.setdefault(fk.ref_qualified, []).append((table.qualified_name, fk))
        return cls({parent: tuple(sorted(children, key=lambda e: (e[0], e[1].name)))
                    for parent, children in sorted(edges.items())})

    @cached_property
    def nodes(self) -> tuple[str, ...]:
        return tuple(sorted({*self.edges, *(c for children in self.edges.values() for c, _ in children)}))

    @cached_property
    def _components(self) -> tuple[dict[str, int], list[list[str]]]:
        """Tarjan's strongly connected components, iteratively; component ids in reverse topological
        order (a component's children have smaller ids)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        comp_of: dict[str, int] = {}
        members: list[list[str]] = []
        for start in self.nodes:
            if start in index:
                continue
            work: list[tuple[str, int]] = [(start, 0)]
            while work:
                node, i = work.pop()
                if i == 0:
                    index[node] = low[node] = len(index)
                    stack.append(node)
                    on_stack.add(node)
                children = self.edges.get(node, ())
                if i < len(children):
                    work.append((node, i + 1))
                    child = children[i][0]
                    if child not in index:
                        work.append((child, 0))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        comp_of[member] = len(members)
                        group.append(member)
                        if member == node:
                            break
                    members.append(sorted(group))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
        return comp_of, members

    @cached_property
    def _summaries(self) -> tuple[list[frozenset[str]], list[int]]:
        """Per component: every table a DELETE of one of its rows reaches (its other members
        included), and the length of its longest chain counted in components."""
        comp_of, members = self._components
        reach: list[frozenset[str]] = []
        depth: list[int] = []
        for cid, group in enumerate(members):  # children first (reverse topological order)
            tables: set[str] = set(group) if len(group) > 1 else set()
            longest = 0
            for node in group:
                for child, _fk in self.edges.get(node, ()):
                    other = comp_of[child]
                    if other == cid:
                        continue
                    tables |= reach[other] | {child}
                    longest = max(longest, 1 + depth[other])
            reach.append(frozenset(tables))
            depth.append(longest + (1 if len(group) > 1 else 0))
        return reach, depth

    def reached(self, table: str) -> frozenset[str]:
        """Every other table that deleting a row of ``table`` can delete rows from."""
        comp_of, _ = self._components
        if table not in comp_of:
            return frozenset()
        return self._summaries[0][comp_of[table]] - {table}

    def depth(self, table: str) -> int:
        """Levels of the longest cascade chain from ``table`` (a cycle counts as one more level)."""
        comp_of, _ = self._components
        return self._summaries[1][comp_of[table]] if table in comp_of else 0

    def roots(self) -> tuple[str, ...]:
        """One table per group that no other group's cascade reaches: where a DELETE starts a chain."""
        comp_of, members = self._components
        entered = {comp_of[c] for parent, children in self.edges.items() for c, _ in children
                   if comp_of[c] != comp_of[parent]}
        return tuple(group[0] for cid, group in enumerate(members)
                     if cid not in entered and any(self.edges.get(n) for n in group))

    def in_cycle(self, table: str) -> bool:
        comp_of, members = self._components
        return table in comp_of and len(members[comp_of[table]]) > 1

    def chains(self, root: str) -> dict[str, tuple[Edge, ...]]:
        """For every table ``root`` reaches, the shortest chain of cascading keys that reaches it."""
        paths: dict[str, tuple[Edge, ...]] = {root: ()}
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for child, fk in self.edges.get(node, ()):
                if child not in paths:
                    paths[child] = (*paths[node], (child, fk))
                    queue.append(child)
        del paths[root]
        return paths

    def deepest_chain(self, root: str) -> tuple[Edge, ...]:
        """One longest chain from ``root`` (through the component DAG; a cycle is entered once)."""
        comp_of, _ = self._components
        _, depth = self._summaries
        chain: list[Edge] = []
        node, seen = root, {comp_of[root]} if root in comp_of else set()
        while True:
            step = max(
                ((child, fk) for child, fk in self.edges.get(node, ()) if comp_of[child] not in seen),
                key=lambda e: (depth[comp_of[e[0]]], e[0]), default=None,
            )
            if step is None:
                return tuple(chain)
            chain.append(step)
            node = step[0]
            seen.add(comp_of[node])
