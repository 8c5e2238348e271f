"""The benchmark workloads, each written twice -- minigrad and PyTorch -- from the same seeded data.

A workload is a function (workload name, device) -> step, where step() runs one training
step (forward + backward + optimizer update), blocks until it is finished, and returns the loss
(or, for W5 and W6, the output) as a tensor.

    W1  MLP classifier, batch 128: 784-512-256-10, ReLU, softmax cross-entropy, Adam(1e-3)
    W2  CNN classifier, batch 64: conv(1->32,3x3,p1)-ReLU-maxpool2, conv(32->64,3x3,p1)-ReLU-maxpool2,
        linear(3136->128)-ReLU, linear(128->10), cross-entropy, Adam
    W3  MLP VAE, batch 128: 784-400-(20, 20), reparameterization, 20-400-784 logits,
        summed BCE-with-logits + closed-form KL, Adam
    W4  DCGAN iteration without batch norm, batch 64 (see ``dcgan``)
    W5  autograd overhead: a chain of 2000 elementwise ops on (4,) tensors, sum, backward
    W6  one Conv2d(64->64, 3x3, pad 1) on 32x64x28x28, forward + backward
"""

from __future__ import annotations

import numpy as np

DESCRIPTIONS = {
    "W1": "MLP 784-512-256-10, batch 128, Adam",
    "W2": "CNN conv32-conv64-fc128, batch 64, Adam",
    "W3": "MLP VAE 784-400-20, batch 128, Adam",
    "W4": "DCGAN D+G iteration, batch 64, Adam",
    "W5": "autograd: 2000 ops on (4,) tensors",
    "W6": "Conv2d 64->64 3x3 on 32x64x28x28, fwd+bwd",
}


def _data(shape, seed=0, kind="uniform"):
    rng = np.random.default_rng(seed)
    values = rng.random(shape) if kind == "uniform" else rng.standard_normal(shape)
    return values.astype(np.float32)


def flops(name: str) -> float:
    """Floating-point operations of the matrix products of one step (the workload's floor)."""
    def dense(batch, sizes, first_input_grad=False):
        fwd = sum(2 * batch * a * b for a, b in zip(sizes[:-1], sizes[1:]))
        first = 2 * batch * sizes[0] * sizes[1]
        return 3 * fwd - (0 if first_input_grad else first)

    def conv(n, c, o, k, hw, input_grad=True):
        f = 2 * n * hw * o * c * k * k
        return f * (3 if input_grad else 2)

    if name == "W1":
        return dense(128, [784, 512, 256, 10])
    if name == "W2":
        return conv(64, 1, 32, 3, 784, False) + conv(64, 32, 64, 3, 196) + dense(64, [3136, 128, 10], True)
    if name == "W3":
        return dense(128, [784, 400]) + dense(128, [400, 40], True) + dense(128, [20, 400, 784], True)
    if name == "W4":
        g = dense(64, [100, 6272], False) + conv(64, 64, 128, 4, 49) + conv(64, 1, 64, 4, 196)
        d = conv(64, 1, 64, 4, 196, False) + conv(64, 64, 128, 4, 49) + dense(64, [6272, 1], True)
        return 2 * d * 2 / 3 + d + g          # D on real+fake (no G grads), then D and G in the G step
    if name == "W6":
        return conv(32, 64, 64, 3, 784)
    return 0.0


# ---------------------------------------------------------------------------------- minigrad
def minigrad_workload(name: str, device: str = "cpu"):
    import minigrad as mg
    from minigrad import nn, optim
    import minigrad.nn.functional as F

    def sync():
        pass

    if device == "cuda":
        from minigrad import backend

        def sync():  # noqa: F811
            backend._cupy.cuda.Device().synchronize()

    def tensor(a):
        return mg.tensor(a, device=device)

    gen = mg.Generator(0)
    if name in ("W1", "W2"):
        if name == "W1":
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512, generator=gen), nn.ReLU(),
                                  nn.Linear(512, 256, generator=gen), nn.ReLU(), nn.Linear(256, 10, generator=gen))
            x = tensor(_data((128, 1, 28, 28)))
        else:
            model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1, generator=gen), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(32, 64, 3, padding=1, generator=gen), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(3136, 128, generator=gen), nn.ReLU(),
                                  nn.Linear(128, 10, generator=gen))
            x = tensor(_data((64, 1, 28, 28)))
        model.to(device)
        y = mg.tensor(np.random.default_rng(1).integers(0, 10, len(x)), device=device)
        opt = optim.Adam(model.parameters(), 1e-3)

        def step():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sync()
            return loss
        return step

    if name == "W3":
        enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 400, generator=gen), nn.ReLU()).to(device)
        mu_head, logvar_head = nn.Linear(400, 20, generator=gen).to(device), nn.Linear(400, 20, generator=gen).to(device)
        dec = nn.Sequential(nn.Linear(20, 400, generator=gen), nn.ReLU(), nn.Linear(400, 784, generator=gen)).to(device)
        params = [p for m in (enc, mu_head, logvar_head, dec) for p in m.parameters()]
        opt = optim.Adam(params, 1e-3)
        x = tensor(_data((128, 784)))
        noise = mg.Generator(2)

        def step():
            h = enc(x)
            mu, logvar = mu_head(h), logvar_head(h)
            z = F.reparameterize(mu, logvar, generator=noise)
            logits = dec(z)
            loss = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") + F.gaussian_kl(mu, logvar)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sync()
            return loss
        return step

    if name == "W4":
        G = nn.Sequential(nn.Linear(100, 6272, generator=gen), nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
                          nn.ConvTranspose2d(128, 64, 4, 2, 1, generator=gen), nn.ReLU(),
                          nn.ConvTranspose2d(64, 1, 4, 2, 1, generator=gen), nn.Tanh()).to(device)
        D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1, generator=gen), nn.LeakyReLU(0.2),
                          nn.Conv2d(64, 128, 4, 2, 1, generator=gen), nn.LeakyReLU(0.2),
                          nn.Flatten(), nn.Linear(6272, 1, generator=gen)).to(device)
        opt_g, opt_d = optim.Adam(G.parameters(), 2e-4, (0.5, 0.999)), optim.Adam(D.parameters(), 2e-4, (0.5, 0.999))
        real = tensor(_data((64, 1, 28, 28)) * 2 - 1)
        ones, zeros = mg.ones(64, 1, device=device), mg.zeros(64, 1, device=device)
        noise = mg.Generator(3)

        def step():
            z = mg.randn(64, 100, generator=noise, device=device)
            fake = G(z)
            d_loss = (F.binary_cross_entropy_with_logits(D(real), ones)
                      + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros))
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = F.binary_cross_entropy_with_logits(D(fake), ones)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            sync()
            return g_loss
        return step

    if name == "W5":
        w = mg.tensor(_data((4,), 4, "normal") * 0.1, requires_grad=True, device=device)
        x0 = tensor(_data((4,), 5, "normal"))

        def step():
            h = x0
            for _ in range(2000 // 3):
                h = (h + w) * w
                h = h.tanh()
            h.sum().backward()
            w.grad = None
            sync()
            return h
        return step

    if name == "W6":
        conv = nn.Conv2d(64, 64, 3, padding=1, generator=gen).to(device)
        x = mg.tensor(_data((32, 64, 28, 28)), requires_grad=True, device=device)
        g = tensor(_data((32, 64, 28, 28), 6, "normal"))

        def step():
            y = conv(x)
            y.backward(g)
            x.grad = None
            conv.zero_grad()
            sync()
            return y
        return step
    raise ValueError(f"unknown workload {name}")


# ---------------------------------------------------------------------------------- PyTorch
def torch_workload(name: str, device: str = "cpu"):
    import torch
    from torch import nn
    import torch.nn.functional as F

    dev = torch.device(device)
    sync = (lambda: torch.cuda.synchronize()) if device == "cuda" else (lambda: None)
    torch.manual_seed(0)

    def tensor(a):
        return torch.tensor(a, device=dev)

    if name in ("W1", "W2"):
        if name == "W1":
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                                  nn.Linear(256, 10))
            x = tensor(_data((128, 1, 28, 28)))
        else:
            model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
            x = tensor(_data((64, 1, 28, 28)))
        model.to(dev)
        y = torch.tensor(np.random.default_rng(1).integers(0, 10, len(x)), device=dev)
        opt = torch.optim.Adam(model.parameters(), 1e-3)

        def step():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sync()
            return loss
        return step

    if name == "W3":
        enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU()).to(dev)
        mu_head, logvar_head = nn.Linear(400, 20).to(dev), nn.Linear(400, 20).to(dev)
        dec = nn.Sequential(nn.Linear(20, 400), nn.ReLU(), nn.Linear(400, 784)).to(dev)
        params = [p for m in (enc, mu_head, logvar_head, dec) for p in m.parameters()]
        opt = torch.optim.Adam(params, 1e-3)
        x = tensor(_data((128, 784)))

        def step():
            h = enc(x)
            mu, logvar = mu_head(h), logvar_head(h)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            logits = dec(z)
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            loss = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") + kl
            opt.zero_grad()
            loss.backward()
            opt.step()
            sync()
            return loss
        return step

    if name == "W4":
        G = nn.Sequential(nn.Linear(100, 6272), nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
                          nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(),
                          nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh()).to(dev)
        D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1),
                          nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(6272, 1)).to(dev)
        opt_g = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
        real = tensor(_data((64, 1, 28, 28)) * 2 - 1)
        ones, zeros = torch.ones(64, 1, device=dev), torch.zeros(64, 1, device=dev)

        def step():
            fake = G(torch.randn(64, 100, device=dev))
            d_loss = (F.binary_cross_entropy_with_logits(D(real), ones)
                      + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros))
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = F.binary_cross_entropy_with_logits(D(fake), ones)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            sync()
            return g_loss
        return step

    if name == "W5":
        w = torch.tensor(_data((4,), 4, "normal") * 0.1, requires_grad=True, device=dev)
        x0 = tensor(_data((4,), 5, "normal"))

        def step():
            h = x0
            for _ in range(2000 // 3):
                h = (h + w) * w
                h = h.tanh()
            h.sum().backward()
            w.grad = None
            sync()
            return h
        return step

    if name == "W6":
        conv = nn.Conv2d(64, 64, 3, padding=1).to(dev)
        x = torch.tensor(_data((32, 64, 28, 28)), requires_grad=True, device=dev)
        g = tensor(_data((32, 64, 28, 28), 6, "normal"))

        def step():
            y = conv(x)
            y.backward(g)
            x.grad = None
            conv.zero_grad()
            sync()
            return y
        return step
    raise ValueError(f"unknown workload {name}")
