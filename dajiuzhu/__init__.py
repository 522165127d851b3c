"""dajiuzhu (大救助): integrated social-assistance platform."""

import os

# Polars' allocator (jemalloc, read once when Polars loads) keeps freed memory for 60 s instead of
# handing it back to the kernel at once. A batch assessment allocates and frees gigabytes of columns;
# returned pages are faulted in again for the next column, and at 10 M households that cost 8–9 s of
# kernel time per run against 0.2–0.6 s with the memory kept (bench/README.md). An idle worker still
# gives the memory back after a minute. Set _RJEM_MALLOC_CONF in the environment to override.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:60000,muzzy_decay_ms:60000")
