"""tap-directo tests (harness.py runs the tap against the Directo sandbox)."""
