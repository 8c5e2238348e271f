"""minigrad.draw_graph: the DOT text of a graph, one node per op and per tensor."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
import minigrad.nn.functional as F


def test_the_graph_of_a_small_mlps_loss_has_every_op_and_tensor():
    gen = mg.Generator(0)
    model = nn.Sequential(nn.Linear(4, 3, generator=gen), nn.ReLU(), nn.Linear(3, 2, generator=gen))
    x, y = mg.randn(5, 4, generator=gen), mg.tensor([0, 1, 1, 0, 1])
    loss = F.cross_entropy(model(x), y)
    drawing = mg.draw_graph(loss, names={x: "x"})
    dot = drawing.source
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for op in ("Linear", "ReLU", "CrossEntropy", "Mean"):
        assert f'label="{op}"' in dot, op
    assert "(5, 4) float32" in dot and "x\\n" in dot
    # tensors: x, 4 parameters, 4 intermediates (2 Linear outputs, ReLU's, per-sample CE) and the
    # loss; ops: 2 Linear, ReLU, CrossEntropy, Mean
    assert drawing.nodes == 10 + 5
    loss.backward(retain_graph=True)
    after = mg.draw_graph(loss).source
    assert after.count("|grad|") == 4              # the parameters' gradient norms (x needs none)
    weight = model[0].weight
    assert f"{np.linalg.norm(weight.grad.data.astype(np.float64)):.4g}" in after


def test_shared_nodes_are_drawn_once():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a = x * x
    loss = (a + a).sum()
    drawing = mg.draw_graph(loss)
    dot = drawing.source
    assert dot.count('label="Mul"') == 1 and dot.count('label="Add"') == 1
    # x -> Mul twice (both sides), Mul -> a once, a -> Add twice, Add -> (a + a), -> Sum, Sum -> loss
    assert drawing.edges == 2 + 1 + 2 + 1 + 1 + 1


def test_a_freed_graph_and_bad_input_get_clear_errors():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="freed by backward.*retain_graph=True"):
        mg.draw_graph(loss)
    with pytest.raises(TypeError, match="draw_graph: expected a Tensor"):
        mg.draw_graph(np.ones(3))


def test_rendering_needs_graphviz_or_says_so(tmp_path):
    drawing = mg.draw_graph((mg.tensor([1.0], requires_grad=True) * 2).sum())
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        drawing.render(tmp_path / "graph.txt")
    try:
        import graphviz  # noqa: F401
        has_package = True
    except ImportError:
        has_package = False
    if has_package and shutil.which("dot"):
        path = drawing.render(tmp_path / "graph.svg")
        assert "<svg" in open(path).read()
    else:
        with pytest.raises(RuntimeError, match="graphviz"):
            drawing.render(tmp_path / "graph.svg")
