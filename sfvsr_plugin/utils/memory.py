"""Resident memory of this process (Linux ``/proc``), for benchmarks."""


def status_kib(field: str) -> int:
    """A field of ``/proc/self/status`` in KiB (VmRSS: now, VmHWM: peak).

    Raises:
        KeyError: The status file has no such field.
    """
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak() -> None:
    """Reset VmHWM, the peak resident size, to the resident size now.

    Writing 5 to ``/proc/self/clear_refs`` does that (Linux >= 4.0).
    """
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
