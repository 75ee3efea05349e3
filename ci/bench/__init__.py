"""``nox -s bench``: measure the template against its peers and the machine; rewrite BENCHMARKS.md."""
