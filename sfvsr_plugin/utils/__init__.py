"""Measuring helpers of the analysis tools (``tools/analysis``).

Not imported by ``sfvsr_plugin`` itself.
"""
from .flops import count_flops
from .memory import reset_peak, status_kib

__all__ = ['count_flops', 'reset_peak', 'status_kib']
