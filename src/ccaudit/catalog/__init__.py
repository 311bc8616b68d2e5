"""Catalog: the requirements of a regulation as read-only data, versioned by the date they took effect."""
