-- Active accounts (a blank status counts as active); both dates must fall on or after window_start.
SELECT a.account_id AS subject, a.account_id, a.platform, a.url, a.privacy_policy_reviewed_on, a.risk_assessed_on,
       CASE WHEN a.privacy_policy_reviewed_on IS NULL THEN 'privacy policy review not recorded'
            WHEN a.privacy_policy_reviewed_on < p.window_start THEN 'privacy policy not reviewed within 12 months'
            WHEN a.risk_assessed_on IS NULL THEN 'risk assessment not recorded'
            ELSE 'risk not assessed within 12 months' END AS problem,
       a._file, a._row
FROM social_accounts a CROSS JOIN params p
WHERE COALESCE(a.status, 'active') = 'active'
  AND (a.privacy_policy_reviewed_on IS NULL OR a.privacy_policy_reviewed_on < p.window_start
       OR a.risk_assessed_on IS NULL OR a.risk_assessed_on < p.window_start)
