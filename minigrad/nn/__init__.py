"""Neural-network building blocks (modules, layers, losses) and their functional forms."""

from minigrad.nn import functional  # noqa: F401
