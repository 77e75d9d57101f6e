"""Fixtures shared by the whole suite (tests mirror the package: tests/<subpackage>/test_<module>.py)."""
