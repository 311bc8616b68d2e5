"""The annual audit: durable, tamper-evident records from first assessment to sign-off and carry-over.

Reference data (catalog, checks) stays read-only elsewhere; this package keeps audit state: audits,
inspection runs attached to them, assessments (workflow `status` apart from verdict `result`),
attestations, compensating measures, remediation items, sign-off, and a hash-chained trail.
"""
