"""Evidence: documented dataset templates, readers for the firm's files, validation and the store."""
