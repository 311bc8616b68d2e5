"""Policy documents: text extraction, topic rules, coverage proposals (ccaudit policies scan)."""
