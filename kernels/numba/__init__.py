"""NumbaExecutionProvider's kernels: compiled CPU loops where NumPy leaves speed on the table.

Each module ``op_<snake_name>.py`` registers kernels with ``@kernel(...)`` exactly as the NumPy
provider's do (the registry files them under NumbaExecutionProvider while this package is being
discovered). A kernel here covers the fast cases (float32/float64, the common layouts) with
``numba.njit(cache=True)`` loops and hands every other case to the NumPy reference kernel of the same
op, so results never depend on which provider ran a node. Ops this package lacks run on the next
provider in the session's list (per node; ``refrt info`` and profiling show where each node ran).
Matrix products stay on BLAS.
"""
