"""Benchmark of the planner (issue 8): scenario generator and harness."""
