"""Findings: one per requirement, with a status and the checks, rows and evidence behind it."""
