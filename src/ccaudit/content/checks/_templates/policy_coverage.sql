-- Shared query for "a current, approved policy document of area X covers topics T1..Tn".
-- vars: area (policy_documents.policy_area), topics (list of topic codes).
-- Fails once per topic no current document covers, and once per document past its review interval.
WITH required AS (
    SELECT * FROM (VALUES {{ topics | sql_values }}) AS t(topic)
),
docs AS (
    SELECT d.* FROM policy_documents d CROSS JOIN params p
    WHERE d.policy_area = {{ area | sql_str }} AND d.approved_on <= p.as_of
),
current_docs AS (
    SELECT d.* FROM docs d CROSS JOIN params p
    WHERE COALESCE(d.last_reviewed_on, d.approved_on) >= p.review_window_start
),
covered AS (
    SELECT DISTINCT lower(t.value) AS topic
    FROM policy_documents__topics t
    JOIN current_docs d ON d._file = t._file AND d._row = t._row
)
SELECT r.topic AS subject, r.topic, CAST(NULL AS VARCHAR) AS doc_id,
       'no current approved document covers this topic' AS problem,
       CAST(NULL AS VARCHAR) AS _file, CAST(NULL AS BIGINT) AS _row
FROM required r
WHERE NOT EXISTS (SELECT 1 FROM covered c WHERE c.topic = lower(r.topic))
UNION ALL
SELECT d.doc_id AS subject, CAST(NULL AS VARCHAR) AS topic, d.doc_id,
       'not reviewed within the review interval' AS problem, d._file, d._row
FROM docs d CROSS JOIN params p
WHERE COALESCE(d.last_reviewed_on, d.approved_on) < p.review_window_start
