"""What an operator sees of a running process: health, readiness and Prometheus metrics."""
