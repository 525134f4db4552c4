"""`make bench`: national-scale synthetic data and side-by-side benchmarks (see bench/README.md)."""
