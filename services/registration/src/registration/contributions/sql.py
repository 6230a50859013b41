"""The set-based statements of a contribution import, in the order the importer runs them.

The staging and leftover tables live for one transaction. Every statement reads them whole: none runs
once per row. A clean file (every person registered, every month new, no line repeated) takes the short
way: staging → ``RECORD`` → events; only a file with such rows pays for telling them apart (``LEFTOVERS``).
"""

from sqlalchemy import text

CREATE_STAGING = text(
    """
    CREATE TEMP TABLE contribution_staging (
        line integer NOT NULL, certno text, insutype text, month date,
        contribution_base text, employer_amount text, person_amount text,
        employer_uscc text, paid_on date, error_code text, error_field text, error_reason text, error_value text
    ) ON COMMIT DROP
    """
)
CREATE_LEFTOVER = text(
    """
    CREATE TEMP TABLE contribution_leftover (
        line integer PRIMARY KEY, certno text NOT NULL, insutype text NOT NULL, month date NOT NULL,
        verdict text NOT NULL, first_line integer, recorded_in uuid
    ) ON COMMIT DROP
    """
)

# the good rows of registered persons in the order of the primary key (a new month's index entries go in
# page by page, not at random), and of a line repeated in the file the first: a month already recorded
# (before, or by an earlier line) is skipped by the primary key
RECORD = text(
    """
    INSERT INTO contribution_record (person_id, insutype, month, contribution_base, employer_amount,
                                     person_amount, employer_uscc, paid_on, batch_id, line)
    SELECT p.id, s.insutype, s.month, s.contribution_base::numeric(14, 2), s.employer_amount::numeric(14, 2),
           s.person_amount::numeric(14, 2), s.employer_uscc, s.paid_on, CAST(:batch_id AS uuid), s.line
    FROM contribution_staging s JOIN insured_person p ON p.certno = s.certno
    WHERE s.error_code IS NULL
    ORDER BY p.id, s.insutype, s.month, s.line
    ON CONFLICT DO NOTHING
    """
)

# only when RECORD skipped some good rows: why each was not recorded
LEFTOVERS = text(
    """
    INSERT INTO contribution_leftover (line, certno, insutype, month, verdict, first_line, recorded_in)
    SELECT line, certno, insutype, month, verdict, first_line, recorded_in FROM (
        SELECT s.line, s.certno, s.insutype, s.month, s.first_line, c.batch_id AS recorded_in,
               CASE
                 WHEN s.line > s.first_line THEN 'duplicate_in_file'
                 WHEN p.id IS NULL THEN 'person_not_registered'
                 WHEN c.batch_id = CAST(:batch_id AS uuid) THEN 'record'
                 WHEN (c.contribution_base, c.employer_amount, c.person_amount, c.employer_uscc, c.paid_on)
                      IS NOT DISTINCT FROM
                      (s.contribution_base::numeric, s.employer_amount::numeric, s.person_amount::numeric,
                       s.employer_uscc, s.paid_on)
                   THEN 'unchanged'
                 ELSE 'conflicts_recorded'
               END AS verdict
        FROM (SELECT *, min(line) OVER (PARTITION BY certno, insutype, month) AS first_line
              FROM contribution_staging WHERE error_code IS NULL) s
        LEFT JOIN insured_person p ON p.certno = s.certno
        LEFT JOIN contribution_record c ON (c.person_id, c.insutype, c.month) = (p.id, s.insutype, s.month)
    ) classified
    WHERE verdict <> 'record'
    """
)

# the row count of the staging table, so that the planner joins it to the persons by hashing, not by
# looking each of 100,000 rows up in an index (it takes a temporary table for a few hundred rows)
ANALYZE_STAGING = text("ANALYZE contribution_staging (error_code, certno)")

COUNT_LEFTOVERS = text("SELECT verdict, count(*) FROM contribution_leftover GROUP BY verdict")

REPORT = text(
    """
    INSERT INTO contribution_rejection (batch_id, line, code, field, reason, value)
    SELECT CAST(:batch_id AS uuid), line, error_code, error_field, error_reason, error_value
    FROM contribution_staging WHERE error_code IS NOT NULL
    UNION ALL
    SELECT CAST(:batch_id AS uuid), line, verdict, 'certno',
           CASE verdict
             WHEN 'duplicate_in_file' THEN format(:duplicate, first_line)
             WHEN 'person_not_registered' THEN :unknown
             ELSE format(:conflict, to_char(month, 'YYYY-MM') || ' ' || insutype, recorded_in)
           END,
           left(certno, 6) || '********' || right(certno, 4)
    FROM contribution_leftover WHERE verdict <> 'unchanged'
    """
)

# the new months for the events, grouped by insurance type and month (asyncpg, read with a cursor)
NEW_MONTHS = """
    SELECT s.insutype, to_char(s.month, 'YYYY-MM') AS month, p.psn_no, s.certno
    FROM contribution_staging s JOIN insured_person p ON p.certno = s.certno
    WHERE s.error_code IS NULL AND NOT EXISTS (SELECT FROM contribution_leftover l WHERE l.line = s.line)
    ORDER BY s.insutype COLLATE "C", s.month, s.line
"""
