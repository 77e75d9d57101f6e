"""The ground floor: the canonical schema, the CRMData container, errors, paths and shared checks.

Nothing here imports another part of the package.
"""
