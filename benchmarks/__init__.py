"""Side-by-side timings of minigrad and PyTorch: ``python -m benchmarks``."""
