"""The audit's use cases: opening (and carrying over), inspection runs, assessments, attestations,
measures, remediation, review and sign-off, and the derived result each requirement carries."""
