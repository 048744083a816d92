"""NumPy kernels: the readable reference implementation (CPUExecutionProvider).

One operator per module, ``op_<snake_name>.py``; modules starting with ``_`` hold shared helpers.
"""
