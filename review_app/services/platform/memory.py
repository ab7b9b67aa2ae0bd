"""Handing a large job's freed memory back to the system between its phases.

A national round's assignment makes and drops arrays of tens of megabytes by the hundred (text similarity
blocks, the frozen instance's chunks); glibc keeps much of what is freed in the process's heap, so the
worker's resident memory stays at its past peak and the next phase (the solver's flow) adds to it.
"""

import ctypes
import gc


def give_back() -> None:
    """Collect garbage, then return the heap's free pages to the system (glibc's `malloc_trim`); nothing
    more where the C library has no such call."""
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the process already uses
    except (OSError, AttributeError):
        return
    trim(0)
