-- One firm-level row when no assessment dated within the 12 months (window_start .. as_of, both days
-- included) covers all three risks and records controls. The row names the latest assessment seen.
WITH assessed AS (
    SELECT a.*,
           CASE WHEN a.assessed_on >= p.window_start AND a.assessed_on <= p.as_of THEN 1 ELSE 0 END AS in_window,
           CASE WHEN COALESCE(a.covers_disclosure, FALSE) AND COALESCE(a.covers_social_engineering, FALSE)
                 AND COALESCE(a.covers_malware, FALSE)
                 AND a.controls IS NOT NULL AND lower(trim(a.controls)) NOT IN ({{ placeholders | sql_list }})
                THEN 1 ELSE 0 END AS complete
    FROM social_media_risk_assessments a CROSS JOIN params p
    WHERE a.assessed_on <= p.as_of
),
latest AS (
    SELECT a.*, ROW_NUMBER() OVER (ORDER BY a.in_window DESC, a.assessed_on DESC, a.assessment_id DESC) AS rn
    FROM assessed a
),
firm AS (
    SELECT 'firm' AS subject
)
SELECT f.subject, l.assessment_id AS latest_assessment_id, l.assessed_on AS latest_assessed_on,
       l.covers_disclosure, l.covers_social_engineering, l.covers_malware, l.controls,
       CASE WHEN l.assessment_id IS NULL THEN 'no assessment on record'
            WHEN l.in_window = 0 THEN 'no assessment within the last 12 months'
            ELSE 'no assessment within the last 12 months covers disclosure, social engineering and malware with controls'
       END AS problem,
       CAST(NULL AS VARCHAR) AS _file, CAST(NULL AS BIGINT) AS _row
FROM firm f
LEFT JOIN latest l ON l.rn = 1
WHERE NOT EXISTS (SELECT 1 FROM assessed a WHERE a.in_window = 1 AND a.complete = 1)
