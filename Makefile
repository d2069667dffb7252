# The two commands of the README's quick start, and a few helpers.
.PHONY: run test lint bench setup

run:            ## set up, migrate, load the demo, serve with gunicorn (jobs in-process without Redis), print the URL
	scripts/setup.sh
	.venv/bin/python -m web

test:           ## set up (test packages included) and run the whole test suite
	scripts/setup.sh --test
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check .

bench:          ## benchmarks: print timings, never pass/fail
	.venv/bin/python benchmarks/bench_results.py
	.venv/bin/python benchmarks/bench_documents.py
