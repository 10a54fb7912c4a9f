"""Helpers for tests and benchmarks; not needed to train or run SFNet."""
from .unbatched import frb_per_branch, unbatched

__all__ = ['frb_per_branch', 'unbatched']
