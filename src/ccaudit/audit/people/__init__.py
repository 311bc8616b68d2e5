"""Firms, users, their roles per firm and what each role may do."""
