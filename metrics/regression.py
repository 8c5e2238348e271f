"""Regression metrics.

    MSE  = mean (y - y_hat)^2         RMSE = sqrt(MSE)         MAE = mean |y - y_hat|
    R^2  = 1 - sum (y - y_hat)^2 / sum (y - mean y)^2     (1 is perfect; 0 = predicting the mean)

R^2 of a constant y_true is undefined (0 / 0): it returns 1.0 for a perfect prediction and
0.0 otherwise, scikit-learn's convention.
"""

from __future__ import annotations

import numpy as np

from metrics._arrays import host, same_length


def _pair(y_true, y_pred, op):
    t, p = host(y_true).astype(float), host(y_pred).astype(float)
    if t.shape != p.shape:
        raise ValueError(f"{op}: y_true {t.shape} and y_pred {p.shape} have different shapes")
    same_length(op, y_true=t.reshape(-1), y_pred=p.reshape(-1))
    for name, v in (("y_true", t), ("y_pred", p)):
        if not np.isfinite(v).all():
            raise ValueError(f"{op}: {name} contains NaN or infinite values")
    return t, p


def mean_squared_error(y_true, y_pred) -> float:
    t, p = _pair(y_true, y_pred, "mean_squared_error")
    return float(np.mean((t - p) ** 2))


def root_mean_squared_error(y_true, y_pred) -> float:
    return float(np.sqrt(mean_squared_error(y_true, y_pred)))


def mean_absolute_error(y_true, y_pred) -> float:
    t, p = _pair(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(t - p)))


def r2_score(y_true, y_pred) -> float:
    t, p = _pair(y_true, y_pred, "r2_score")
    if t.ndim == 2:                # several outputs: the mean of their R^2 (scikit-learn's default)
        return float(np.mean([r2_score(t[:, j], p[:, j]) for j in range(t.shape[1])]))
    if len(t) < 2:
        raise ValueError(f"r2_score: needs at least two samples (R^2 compares with their mean), got {len(t)}")
    residual = np.sum((t - p) ** 2)
    total = np.sum((t - t.mean(axis=0)) ** 2)
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return float(1 - residual / total)


mse, rmse, mae = mean_squared_error, root_mean_squared_error, mean_absolute_error
