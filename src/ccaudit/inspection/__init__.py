"""Inspection: import evidence, run the checks a catalog names, decide and write the findings."""
