"""One generator per area of Article 12."""
