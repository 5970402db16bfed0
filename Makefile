# The two commands of the README (and `make bench`, docs/benchmarks.md).
.PHONY: run test bench
run:
	./scripts/run.sh
test:
	./scripts/test.sh
bench:
	./scripts/bench.sh
