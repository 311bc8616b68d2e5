SELECT b.person_id AS subject, b.person_id, b.device_id, b.registered_on, b.purpose, b.agreement_ref,
       b.agreement_signed_on,
       CASE WHEN b.agreement_signed_on IS NULL AND b.agreement_ref IS NULL THEN 'no signed agreement on record'
            WHEN b.agreement_signed_on IS NULL THEN 'the agreement has no signing date'
            WHEN b.agreement_ref IS NULL THEN 'the agreement has no reference'
            ELSE 'the agreement was signed after the as-of date' END AS problem,
       CASE WHEN b.agreement_signed_on IS NULL AND b.agreement_ref IS NULL THEN '無簽署之使用協議'
            WHEN b.agreement_signed_on IS NULL THEN '協議無簽署日期'
            WHEN b.agreement_ref IS NULL THEN '協議無編號'
            ELSE '協議於查核基準日後始簽署' END AS problem_zh,
       b._file, b._row
FROM byod_register b CROSS JOIN params p
WHERE COALESCE(b.status, 'active') = 'active'
  AND (b.registered_on IS NULL OR b.registered_on <= p.as_of)
  AND (b.agreement_signed_on IS NULL OR b.agreement_ref IS NULL OR b.agreement_signed_on > p.as_of)
