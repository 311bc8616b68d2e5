WITH judged AS (
    SELECT c.*,
           TRIM(
               CASE WHEN COALESCE(c.security_terms, FALSE) = FALSE THEN 'security_terms ' ELSE '' END
               || CASE WHEN COALESCE(c.liabilities_defined, FALSE) = FALSE THEN 'liabilities_defined ' ELSE '' END
               || CASE WHEN COALESCE(c.service_warranty, FALSE) = FALSE THEN 'service_warranty ' ELSE '' END
               || CASE WHEN COALESCE(c.update_lifespan_defined, FALSE) = FALSE THEN 'update_lifespan_defined ' ELSE '' END
               || CASE WHEN COALESCE(c.vulnerability_notification, FALSE) = FALSE THEN 'vulnerability_notification ' ELSE '' END
               || CASE WHEN COALESCE(c.response_measures, FALSE) = FALSE THEN 'response_measures' ELSE '' END
           ) AS missing_terms,
           TRIM(
               CASE WHEN COALESCE(c.security_terms, FALSE) = FALSE THEN '資安條款 ' ELSE '' END
               || CASE WHEN COALESCE(c.liabilities_defined, FALSE) = FALSE THEN '責任歸屬 ' ELSE '' END
               || CASE WHEN COALESCE(c.service_warranty, FALSE) = FALSE THEN '服務保固 ' ELSE '' END
               || CASE WHEN COALESCE(c.update_lifespan_defined, FALSE) = FALSE THEN '安全更新年限 ' ELSE '' END
               || CASE WHEN COALESCE(c.vulnerability_notification, FALSE) = FALSE THEN '主動通知漏洞 ' ELSE '' END
               || CASE WHEN COALESCE(c.response_measures, FALSE) = FALSE THEN '因應措施' ELSE '' END
           ) AS missing_terms_zh
    FROM iot_contracts c CROSS JOIN params p
    WHERE c.signed_on >= p.window_start AND c.signed_on <= p.as_of
)
SELECT j.contract_id AS subject, j.contract_id, j.supplier, j.signed_on, j.missing_terms, j.missing_terms_zh,
       j._file, j._row
FROM judged j
WHERE j.missing_terms <> ''
