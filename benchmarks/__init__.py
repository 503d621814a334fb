"""Benchmarks of the workshop app: `python -m benchmarks` builds its own fixtures, measures,
prints one JSON object on stdout and a short table on stderr. Timings are never asserted."""
