"""What makes the record trustworthy: the hash-chained trail, canonical JSON and the audit digest,
signing keys, `verify` on the database and the offline archive with its own verification."""
