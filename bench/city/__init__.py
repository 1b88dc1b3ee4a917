"""A city-scale dataset on PostgreSQL for load runs (bench/README.md)."""
