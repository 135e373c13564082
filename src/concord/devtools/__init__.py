"""Tools for developing and demonstrating Concord: never installed in production."""
