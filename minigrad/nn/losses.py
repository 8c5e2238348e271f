"""Loss functions, functional and module forms, with PyTorch's ``reduction`` argument.

    reduction='mean'  average over all elements (cross-entropy: weighted average over samples)
    reduction='sum'   sum over all elements
    reduction='none'  the per-element (per-sample) losses
"""

from __future__ import annotations

from minigrad import backend, checks
from minigrad import functional as MF
from minigrad.nn.module import Module
from minigrad.ops import losses as _losses
from minigrad.tensor import Tensor, as_tensor

REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction, op):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _check_same_shape(op, input, target):
    if input.shape != target.shape:
        raise ValueError(f"{op}: input shape {input.shape} and target shape {target.shape} differ")


def _operands(op, input, target):
    """(input, target) as tensors of one shape with at least one element (the target may be numbers)."""
    input = checks.tensor_argument(op, "input", input)
    if not isinstance(target, Tensor):                 # numbers or an array: a constant of the input's dtype
        try:
            target = input._constant(target)
        except TypeError:
            raise TypeError(f"{op}: target must be a tensor, got {type(target).__name__} {target!r:.60}") from None
    _check_same_shape(op, input, target)
    _check_not_empty(op, input)
    return input, target


def _check_not_empty(op, input):
    """A loss over no samples is meaningless (its mean would be NaN): refuse it."""
    if input.data.size == 0:
        raise ValueError(f"{op}: the input is empty (shape {input.shape}); a loss needs at least one sample")


def _check_probability_targets(op, target):
    xp = backend.array_module(target.data)
    t = target.data
    if t.size and not bool(xp.all((t >= 0) & (t <= 1))):      # NaN fails both comparisons, so it is caught
        raise ValueError(f"{op}: target values must be probabilities in [0, 1], got values in "
                         f"[{float(xp.nanmin(t)):.4g}, {float(xp.nanmax(t)):.4g}]"
                         + (" and NaN" if bool(xp.isnan(t).any()) else ""))


def _pointwise_loss(op, function, input, target, weight, reduction):
    """Check shapes, apply the per-element loss ``function``, weight it, reduce it."""
    input, target = _operands(op, input, target)
    if op.startswith("binary_cross_entropy"):
        _check_probability_targets(op, target)
    loss = function()(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, op)


def mse_loss(input, target, reduction: str = "mean"):
    """l = (x - y)^2.   dl/dx = 2 (x - y)."""
    input, target = _operands("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input, target, reduction: str = "mean"):
    """l = |x - y|.   dl/dx = sign(x - y) (0 where x == y)."""
    input, target = _operands("l1_loss", input, target)
    return _reduce(MF.abs(input - target), reduction, "l1_loss")


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    """l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, d = x - y (Huber's loss / beta).
    dl/dx = d / beta inside, sign(d) outside."""
    input, target = _operands("smooth_l1_loss", input, target)
    beta = checks.finite_number("smooth_l1_loss", "beta", beta, minimum=0)
    d = input - target
    if beta == 0:
        return _reduce(MF.abs(d), reduction, "smooth_l1_loss")
    inside = MF.abs(d).data < beta
    return _reduce(MF.where(inside, 0.5 * d * d / beta, MF.abs(d) - 0.5 * beta), reduction, "smooth_l1_loss")


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """l = -[y log p + (1 - y) log(1 - p)] on probabilities p, logs clamped at -100 like PyTorch.

    Prefer ``binary_cross_entropy_with_logits``: applying a sigmoid first and then taking
    logs loses precision when p is within float rounding of 0 or 1.
    """
    return _pointwise_loss("binary_cross_entropy", _losses.BinaryCrossEntropy, input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean"):
    """The BCE of sigmoid(x) computed from logits x in the stable form max(x,0) - xy + log1p(e^-|x|)."""
    return _pointwise_loss("binary_cross_entropy_with_logits", _losses.BinaryCrossEntropyWithLogits, input, target,
                           weight, reduction)


def _class_targets(op, target, xp):
    t = target.data if isinstance(target, Tensor) else target
    t = xp.asarray(t)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {t.dtype}")
    return t


def cross_entropy(input, target, weight=None, reduction: str = "mean", ignore_index: int = -100,
                  label_smoothing: float = 0.0):
    """Cross-entropy of logits (N, C) or (N, C, d1, ...), PyTorch's ``F.cross_entropy``.

    With class indices t:   l_n = -w[t_n] log p_n[t_n],   p_n = softmax(x_n)
        ignore_index: samples whose target equals it add nothing and leave the mean's denominator;
        reduction='mean' divides by sum_n w[t_n] over the samples kept (PyTorch's rule).
    With class probabilities T (same shape as the input):   l_n = -sum_c w_c T_nc log p_nc,
        and 'mean' divides by the number of samples.
    label_smoothing eps mixes the target with the uniform distribution: (1 - eps) target + eps / C.

    The common case (indices, no ignored sample, no smoothing) is one fused op with the
    derivative dl_n/dx_n = w[t_n] (p_n - onehot(t_n)); the others are composed from log_softmax.
    """
    op = "cross_entropy"
    input = checks.tensor_argument(op, "input", input)
    xp = backend.array_module(input.data)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    smoothing = checks.finite_number(op, "label_smoothing", label_smoothing, minimum=0, maximum=1)
    _check_not_empty(op, input)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected logits (N, C) or (N, C, d1, ...), got {input.shape}")
    c = input.shape[1]
    raw = target.data if isinstance(target, Tensor) else xp.asarray(target)
    probabilities = raw.dtype.kind == "f"
    if probabilities and raw.shape == input.shape[:1] + input.shape[2:]:
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {raw.dtype} (class "
                        f"probabilities must have the input's shape {input.shape})")
    if probabilities and raw.shape != input.shape:
        raise ValueError(f"{op}: probability targets must have the input's shape {input.shape}, got {raw.shape}")
    if not probabilities and raw.shape != input.shape[:1] + input.shape[2:]:
        raise ValueError(f"{op}: target shape {raw.shape} does not match input {input.shape}; expected "
                         f"{input.shape[:1] + input.shape[2:]} class indices")
    if input.ndim > 2:             # (N, C, d1, ...) -> (N * d1 * ..., C), the target likewise
        input = input.permute(0, *range(2, input.ndim), 1).reshape(-1, c)
        raw = (xp.moveaxis(raw, 1, -1).reshape(-1, c) if probabilities else raw.reshape(-1))
    w = None if weight is None else xp.asarray(weight.data if isinstance(weight, Tensor) else weight,
                                               dtype=input.dtype)
    if w is not None and w.shape != (c,):
        raise ValueError(f"{op}: weight must have one entry per class ({c},), got {w.shape}")
    if probabilities:
        soft = raw.astype(input.dtype) * (1 - smoothing) + smoothing / c
        logp = input.log_softmax(1)
        per_class = logp * Tensor(soft if w is None else soft * w)
        return _reduce(-per_class.sum(1), reduction, op)
    t = _class_targets(op, raw, xp)
    kept = t != ignore_index
    if t.size and kept.any() and (int(t[kept].min()) < 0 or int(t[kept].max()) >= c):
        raise IndexError(f"{op}: target values must be in [0, {c - 1}] (or ignore_index {ignore_index}), got "
                         f"[{int(t[kept].min())}, {int(t[kept].max())}]")
    if smoothing == 0 and bool(kept.all()):
        loss = _losses.CrossEntropy(t, w)(input)
        if reduction == "mean" and w is not None:
            return loss.sum() / float(w[t].sum())
        return _reduce(loss, reduction, op)
    safe = xp.where(kept, t, 0)
    sample_weight = (xp.ones(len(t), dtype=input.dtype) if w is None else w[safe]) * kept
    logp = input.log_softmax(1)
    loss = -logp[xp.arange(len(t)), safe] * Tensor(sample_weight)
    if smoothing:
        class_weight = xp.ones(c, dtype=input.dtype) if w is None else w
        uniform = -(logp * Tensor(class_weight)).sum(1) * Tensor(kept.astype(input.dtype)) / c
        loss = loss * (1 - smoothing) + uniform * smoothing
    if reduction == "mean":
        return loss.sum() / float(sample_weight.sum())
    return _reduce(loss, reduction, op)


def nll_loss(input, target, weight=None, reduction: str = "mean", ignore_index: int = -100):
    """l_n = -w[t_n] input[n, t_n] for log-probabilities (N, C) or (N, C, d1, ...) (e.g. the output of
    log_softmax) and class indices; ``ignore_index`` and the weighted mean as in ``cross_entropy``."""
    op = "nll_loss"
    input = checks.tensor_argument(op, "input", input)
    xp = backend.array_module(input.data)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    t = _class_targets(op, target, xp)
    if input.ndim < 2 or t.shape != input.shape[:1] + input.shape[2:]:
        raise ValueError(f"{op}: expected input (N, C) or (N, C, d1, ...) and target (N,) or (N, d1, ...), got "
                         f"{input.shape} and {t.shape}")
    _check_not_empty(op, input)
    c = input.shape[1]
    if input.ndim > 2:
        input, t = input.permute(0, *range(2, input.ndim), 1).reshape(-1, c), t.reshape(-1)
    kept = t != ignore_index
    if t.size and kept.any() and (int(t[kept].min()) < 0 or int(t[kept].max()) >= c):
        raise IndexError(f"{op}: target values must be class indices in [0, {c - 1}] (or ignore_index "
                         f"{ignore_index}), got [{int(t[kept].min())}, {int(t[kept].max())}]")
    safe = xp.where(kept, t, 0)
    w = (xp.ones(c, dtype=input.dtype) if weight is None
         else xp.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=input.dtype))
    sample_weight = w[safe] * kept
    loss = -input[xp.arange(len(t)), safe] * Tensor(sample_weight)
    if reduction == "mean":
        return loss.sum() / float(sample_weight.sum())
    return _reduce(loss, reduction, op)


def gaussian_kl(mu, logvar, reduction: str = "sum"):
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per sample, summed over the latent dims (last axis):

        KL = -1/2 sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j))

    reduction: 'none' -> one value per sample, 'mean' -> averaged over samples,
    'sum' -> summed over samples (the default, as in the VAE paper's per-batch objective).
    """
    mu, logvar = checks.tensor_argument("gaussian_kl", "mu", mu), checks.tensor_argument("gaussian_kl", "logvar", logvar)
    if mu.shape != logvar.shape:
        raise ValueError(f"gaussian_kl: mu {mu.shape} and logvar {logvar.shape} differ")
    per_sample = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(-1)
    return _reduce(per_sample, reduction, "gaussian_kl")


def gaussian_kl_between(mu1, logvar1, mu2, logvar2, reduction: str = "sum"):
    """KL(N(mu1, exp(logvar1)) || N(mu2, exp(logvar2))) for diagonal Gaussians, summed over the last axis:

        KL = 1/2 sum_j (logvar2 - logvar1 + (exp(logvar1) + (mu1 - mu2)^2) / exp(logvar2) - 1)
    """
    mu1, logvar1, mu2, logvar2 = (checks.tensor_argument("gaussian_kl_between", name, value) for name, value in
                                  (("mu1", mu1), ("logvar1", logvar1), ("mu2", mu2), ("logvar2", logvar2)))
    shapes = {mu1.shape, logvar1.shape, mu2.shape, logvar2.shape}
    if len(shapes) != 1:
        raise ValueError(f"gaussian_kl_between: shapes differ: {mu1.shape}, {logvar1.shape}, "
                         f"{mu2.shape}, {logvar2.shape}")
    diff = mu1 - mu2
    per_sample = 0.5 * (logvar2 - logvar1 + (logvar1.exp() + diff * diff) / logvar2.exp() - 1).sum(-1)
    return _reduce(per_sample, reduction, "gaussian_kl_between")


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction


class MSELoss(_Loss):
    def forward(self, input, target):
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    def forward(self, input, target):
        return binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean", ignore_index: int = -100,
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        checks.finite_number(type(self).__name__, "label_smoothing", label_smoothing, minimum=0, maximum=1)
        if not checks.is_integer(ignore_index):
            raise TypeError(f"{type(self).__name__}: ignore_index must be an integer, got {ignore_index!r}")
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input, target):
        return cross_entropy(input, target, self.weight, self.reduction, self.ignore_index, self.label_smoothing)


class NLLLoss(CrossEntropyLoss):
    def forward(self, input, target):
        return nll_loss(input, target, self.weight, self.reduction, self.ignore_index)
