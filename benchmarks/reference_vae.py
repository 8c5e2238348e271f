"""The reference for unit 9's VAE bar: PyTorch's example VAE, trained on the same MNIST files.

    python -m benchmarks.reference_vae [--epochs 10] [--seed 1] [--hidden 400]

The recipe of PyTorch's ``examples/vae``: 784-400-20 MLP encoder and decoder with ReLU, Bernoulli
decoder, loss = BCE summed over pixels + KL(q(h|x) || N(0, I)), Adam lr 1e-3, batch 128, one
sample of h per image. Prints the test negative ELBO per image (nats) after each epoch, the
number unit 9 compares its own VAE against. ``--hidden 512 256`` trains the same recipe with
unit 9's layer sizes, separating what the architecture buys from what the framework does.
Needs the ``bench`` extra (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import time

from minigrad import data


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hidden", type=int, nargs="+", default=[400])
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    def mlp(sizes):
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers)

    class VAE(nn.Module):
        def __init__(self, hidden, latent=20):
            super().__init__()
            self.encoder = mlp([784, *hidden])
            self.mu, self.logvar = nn.Linear(hidden[-1], latent), nn.Linear(hidden[-1], latent)
            self.decoder = nn.Sequential(mlp([latent, *reversed(hidden)]), nn.Linear(hidden[0], 784))

        def forward(self, x):
            e = self.encoder(x)
            mu, logvar = self.mu(e), self.logvar(e)
            h = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)      # the reparameterization trick
            return self.decoder(h), mu, logvar

    def loss_sum(x, logits, mu, logvar):
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kl

    train = torch.from_numpy(data.MNIST(train=True).images.reshape(-1, 784))
    test = torch.from_numpy(data.MNIST(train=False).images.reshape(-1, 784))
    model = VAE(args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        for idx in torch.randperm(len(train)).split(128):
            x = train[idx]
            loss = loss_sum(x, *model(x))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            total = sum(loss_sum(x, *model(x)).item() for x in test.split(1000))
        print(f"epoch {epoch}: test -ELBO {total / len(test):.2f} nats per image ({time.time() - start:.0f} s)",
              flush=True)


if __name__ == "__main__":
    main()
