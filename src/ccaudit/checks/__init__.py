"""Checks: one folder per check (check.yaml + query.sql + cases.yaml); SQL that returns failing rows."""
