"""A picture of the graph that backward walks: ``minigrad.draw_graph(loss)``.

One node per op (a box: the Function's name) and one per tensor (an ellipse: shape and dtype;
for leaves that have a gradient, its norm), with edges in the direction of the forward pass.
The result holds Graphviz source (``.source``, plain text, no dependency); ``.render(path)``
writes SVG or PNG through the ``graphviz`` Python package and its ``dot`` program, and in a
notebook the graph displays inline.

    loss = model(x).sum()
    g = minigrad.draw_graph(loss)          # before backward, or after backward(retain_graph=True)
    g.render("graph.svg")

backward() frees the graph (its ops forget their inputs), so a graph is drawn before backward
or after ``backward(retain_graph=True)``; leaves keep their ``.grad`` either way.
"""

from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.tensor import Tensor


class GraphDrawing:
    """Graphviz source of a computation graph, renderable when Graphviz is installed."""

    def __init__(self, source: str, nodes: int, edges: int):
        self.source, self.nodes, self.edges = source, nodes, edges

    def __repr__(self):
        return f"<GraphDrawing: {self.nodes} nodes, {self.edges} edges; .source holds the DOT text>"

    def _graphviz(self):
        try:
            import graphviz
        except ImportError:
            raise RuntimeError("draw_graph: rendering needs the graphviz Python package and the Graphviz "
                               "programs (pip install graphviz; apt-get install graphviz). The DOT text is in "
                               ".source without them.") from None
        return graphviz.Source(self.source)

    def render(self, path: str) -> str:
        """Write the picture to ``path`` (.svg, .png or .pdf); returns the path written."""
        stem, dot, fmt = str(path).rpartition(".")
        if not dot or fmt not in ("svg", "png", "pdf"):
            raise ValueError(f"draw_graph.render: path must end in .svg, .png or .pdf, got {path!r}")
        try:
            return self._graphviz().render(outfile=str(path), format=fmt, cleanup=True)
        except Exception as err:
            if type(err).__name__ == "ExecutableNotFound":
                raise RuntimeError("draw_graph: the Graphviz program 'dot' was not found (apt-get install "
                                   "graphviz, or conda install graphviz); the DOT text is in .source") from None
            raise

    def _repr_svg_(self):                     # Jupyter shows this inline
        try:
            return self._graphviz().pipe(format="svg").decode()
        except Exception:                     # no Graphviz: the notebook falls back to repr()
            return None


def _tensor_label(t: Tensor, name: str | None) -> str:
    label = f"{name}\\n" if name else ""
    label += f"{tuple(t.shape)} {t.dtype}"
    if t.grad is not None:
        norm = float(np.linalg.norm(backend.to_numpy(t.grad.data).astype(np.float64)))
        label += f"\\n|grad| = {norm:.4g}"
    return label


def draw_graph(root: Tensor, names: dict | None = None) -> GraphDrawing:
    """The graph that produced ``root``: ops as boxes, tensors as ellipses (leaves shaded).

    names: optional {tensor: "label"} to name tensors in the picture (e.g. {x: "x", w: "W"}).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(root).__name__}")
    names = {id(t): n for t, n in (names or {}).items()}
    ids = {}

    def node_id(obj):
        return ids.setdefault(id(obj), f"n{len(ids)}")

    lines = ["digraph minigrad {", '  rankdir=LR; node [fontname="Helvetica", fontsize=10];']
    tensors_seen, functions_seen, edges_seen = set(), set(), set()

    def add_edge(a, b, once=True):
        """once: an op's output is reached once per consumer, but drawn once; an input used twice
        by one op (x * x) gets two edges."""
        if once and (id(a), id(b)) in edges_seen:
            return
        edges_seen.add((id(a), id(b)))
        lines.append(f"  {node_id(a)} -> {node_id(b)};")

    def add_tensor(t):
        if id(t) in tensors_seen:
            return
        tensors_seen.add(id(t))
        style = ', style=filled, fillcolor="#dde8f7"' if t.creator is None else ""
        lines.append(f'  {node_id(t)} [shape=ellipse, label="{_tensor_label(t, names.get(id(t)))}"{style}];')

    add_tensor(root)
    stack = [(root.creator, root)] if root.creator is not None else []
    while stack:
        fn, out = stack.pop()
        add_edge(fn, out)
        if id(fn) in functions_seen:
            continue
        functions_seen.add(id(fn))
        if fn.inputs is None:
            raise RuntimeError("draw_graph: the graph was freed by backward(); draw it before backward, or "
                               "call backward(retain_graph=True)")
        lines.append(f'  {node_id(fn)} [shape=box, style="rounded,filled", fillcolor="#f3e3c3", '
                     f'label="{type(fn).__name__}"];')
        for t in fn.inputs:
            add_tensor(t)
            add_edge(t, fn, once=False)
            if t.creator is not None:
                stack.append((t.creator, t))
    lines.append("}")
    return GraphDrawing("\n".join(lines), len(tensors_seen) + len(functions_seen),
                        sum(1 for line in lines if "->" in line))
