"""Information retrieval in a representation space: distances, nearest neighbours, and how
many of the retrieved items are relevant (here: share the query's label).

    precision@k = (relevant among the top k) / k
    recall@k    = (relevant among the top k) / (relevant in the whole database)
    AP          = mean over the relevant items of the precision at their rank
    mAP         = the mean AP over all queries
"""

from __future__ import annotations

import numpy as np

from metrics._arrays import host, raw
from minigrad import backend


def pairwise_distances(a, b=None, metric: str = "euclidean"):
    """(n, m) distances between the rows of ``a`` and of ``b`` (default: ``a``), on their device.

    euclidean: ||a_i - b_j||, computed as sqrt(|a|^2 - 2 a.b + |b|^2) (clamped at 0).
    cosine:    1 - a.b / (|a| |b|)   (0 for the same direction, 2 for opposite ones).
    """
    a = raw(a)
    b = a if b is None else raw(b)
    xp = backend.array_module(a)
    a, b = a.reshape(len(a), -1).astype(xp.float64), b.reshape(len(b), -1).astype(xp.float64)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"pairwise_distances: feature dimensions differ: {a.shape} and {b.shape}")
    if metric == "euclidean":
        d2 = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
        return xp.sqrt(xp.maximum(d2, 0))
    if metric == "cosine":
        na = xp.maximum(xp.sqrt((a * a).sum(1)), 1e-12)[:, None]
        nb = xp.maximum(xp.sqrt((b * b).sum(1)), 1e-12)[None, :]
        return 1 - (a @ b.T) / (na * nb)
    raise ValueError(f"pairwise_distances: metric must be 'euclidean' or 'cosine', got {metric!r}")


def nearest_neighbors(queries, database, k: int = 5, metric: str = "euclidean", exclude_self: bool = False):
    """(indices (n, k), distances (n, k)) of the k nearest database rows of every query, nearest first.

    exclude_self: queries *are* the database; skip each query's own row.
    Ties in distance are broken by the lower database index.
    """
    d = host(pairwise_distances(queries, database, metric))
    if exclude_self:
        if d.shape[0] != d.shape[1]:
            raise ValueError("nearest_neighbors: exclude_self needs queries == database")
        np.fill_diagonal(d, np.inf)
    available = d.shape[1] - (1 if exclude_self else 0)
    if not 1 <= k <= available:
        raise ValueError(f"nearest_neighbors: k must be in [1, {available}], got {k}")
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(d, order, axis=1)


def _relevance(query_labels, database_labels, neighbor_indices, op="precision_at_k"):
    """relevant[i, j]: the j-th neighbour of query i has query i's label."""
    q, db, idx = host(query_labels), host(database_labels), host(neighbor_indices)
    if idx.ndim != 2 or idx.shape[0] != len(q) or idx.dtype.kind not in "iu":
        raise ValueError(f"{op}: neighbor_indices must be integer indices (n_queries={len(q)}, k), e.g. from "
                         f"nearest_neighbors, got shape {idx.shape} and dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= len(db)):
        raise IndexError(f"{op}: neighbor_indices must be in [0, {len(db) - 1}] (the database's rows), got "
                         f"[{idx.min()}, {idx.max()}]")
    return db[idx] == q[:, None]


def precision_at_k(query_labels, database_labels, neighbor_indices) -> float:
    """Mean over queries of the fraction of the k retrieved items sharing the query's label."""
    return float(_relevance(query_labels, database_labels, neighbor_indices).mean())


def recall_at_k(query_labels, database_labels, neighbor_indices, exclude_self: bool = False) -> float:
    """Mean over queries of (relevant retrieved) / (relevant in the database)."""
    q, db = host(query_labels), host(database_labels)
    hits = _relevance(q, db, neighbor_indices, "recall_at_k").sum(1)
    total = (db[None, :] == q[:, None]).sum(1) - (1 if exclude_self else 0)
    if (total == 0).any():
        raise ValueError("recall_at_k: a query has no relevant item in the database")
    return float((hits / total).mean())


def mean_average_precision(query_labels, database_labels, distances=None, queries=None, database=None,
                           metric: str = "euclidean", exclude_self: bool = False) -> float:
    """mAP of ranking the whole database by distance for every query.

    Give ``distances`` (n_queries, n_database), or ``queries`` and ``database`` features.
    """
    d = host(pairwise_distances(queries, database, metric) if distances is None else distances).copy()
    q, db = host(query_labels), host(database_labels)
    if d.shape != (len(q), len(db)):
        raise ValueError(f"mean_average_precision: distances must be (n_queries, n_database) = ({len(q)}, {len(db)}) "
                         f"for these labels, got {d.shape}")
    if exclude_self:
        np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1, kind="stable")
    relevant = db[order] == q[:, None]
    if exclude_self:
        relevant[:, -1] = False                   # the query itself, sorted last by its inf distance
    hits = np.cumsum(relevant, axis=1)
    ranks = np.arange(1, d.shape[1] + 1)
    counts = relevant.sum(1)
    if (counts == 0).any():
        raise ValueError("mean_average_precision: a query has no relevant item in the database")
    ap = (relevant * hits / ranks).sum(1) / counts
    return float(ap.mean())
