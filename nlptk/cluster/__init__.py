"""Counting and new-word discovery on a Dask cluster (``--cluster``), with the answers of one machine.

Only this package imports Dask, and only when ``--cluster`` is given. The work is split the way
Dask is good at: inputs in byte ranges at line boundaries, one task per range; partial counts
partitioned by key and merged per partition on the workers; only what the client needs comes
back. :mod:`.vocabulary` makes the character ids the same as on one machine, :mod:`.counting`
counts n-grams, :mod:`.discovery` runs the cut pass of new-word discovery, :mod:`.connection`
connects to a scheduler or starts a local cluster.
"""
