"""skmer's benchmarks: ``python -m benchmarks <name> [options]`` (see ``__main__.py``)."""
