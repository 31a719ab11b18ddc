"""Fakes of external services, served on loopback for tests and benchmarks."""
