"""Benchmarks, run by `pressroom bench ...`; reports go to bench/results/."""
