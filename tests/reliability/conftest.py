"""Reliability suite: markers and the results table written at the end of the session."""

from ansible_collections.progressive.delivery.tests.reliability import results


def pytest_configure(config):
    config.addinivalue_line("markers", "reliability_fast: part of the fast subset `make test` runs (< 3 minutes)")


def pytest_sessionfinish(session, exitstatus):
    results.write()
