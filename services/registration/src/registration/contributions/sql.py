"""The set-based statements of a contribution import, in the order the importer runs them.

The staging and leftover tables live for one transaction. No statement runs once per row: one per chunk
of the file records and publishes it; the others read the staging table whole. A clean file (every
person registered, every month new, no line repeated) takes the short way: ``RECORD_CHUNK`` for each
chunk; only a file with other rows pays for telling them apart (``LEFTOVERS``).
"""

from sqlalchemy import text

CREATE_STAGING = text(
    """
    CREATE TEMP TABLE contribution_staging (
        line integer NOT NULL, certno text, insutype text, month date,
        contribution_base text, employer_amount text, person_amount text,
        employer_uscc text, paid_on date, error_code text, error_field text, error_reason text, error_value text
    ) PARTITION BY RANGE (line) ON COMMIT DROP
    """
)
# one partition per chunk of the file, lines [first, next): recorded on its own, read whole at the end
CREATE_CHUNK = "CREATE TEMP TABLE {chunk} PARTITION OF contribution_staging FOR VALUES FROM ({first}) TO ({next})"
CREATE_LEFTOVER = text(
    """
    CREATE TEMP TABLE contribution_leftover (
        line integer PRIMARY KEY, certno text NOT NULL, insutype text NOT NULL, month date NOT NULL,
        verdict text NOT NULL, first_line integer, recorded_in uuid
    ) ON COMMIT DROP
    """
)

# One chunk, read from its own partition ({chunk}, so that the planner sees its size; a bad row's certno is
# null and joins nothing), its 身份证号 between $2 and $3 (its lowest and highest): the planner looks each
# person up by the certno index, or, when the chunk's range of the register is about as long as the chunk (a
# file in the order of 身份证号), reads the index over that range once and merges (a third of the cost a row).
# Its good rows of registered persons recorded in the order of the primary key
# (a new month's index entries go in page by page, not at random), and registration.contribution.recorded.v1
# for them written into the outbox: one message per (insutype, month) and block of $7 lines of the file
# (so at most $7 persons), first line first, numbered on from part $8. The envelope is the service's own,
# validated once ($4, whose id is $5); only each message's id, part number, insurance type, month and
# persons are filled in here (certno is digits and X, checked; psn_no is letters and digits, a constraint
# of insured_person: neither needs escaping in JSON).
#
# A chunk of new months (a clean monthly file) goes in by a plain INSERT: speculative insertion for every
# row would cost 40 % more. When that meets a month already recorded (before, by an earlier chunk or by
# an earlier line of the file), the chunk is recorded again skipping those, first line first, and only
# what it recorded is published. Either way the statement answers (rows recorded, messages written).
_RECORD_CHUNK = """
    WITH src AS MATERIALIZED (
        SELECT p.id AS person_id, p.psn_no, s.certno, s.insutype, s.month, s.contribution_base,
               s.employer_amount, s.person_amount, s.employer_uscc, s.paid_on, s.line
        FROM {{chunk}} s JOIN insured_person p ON p.certno = s.certno  -- a bad row's certno is null: no filter,
        WHERE p.certno BETWEEN $2 AND $3                                 -- whose estimate would hide the rows
    ), recorded AS (
        INSERT INTO contribution_record (person_id, insutype, month, contribution_base, employer_amount,
                                         person_amount, employer_uscc, paid_on, batch_id, line)
        SELECT person_id, insutype, month, contribution_base::numeric(14, 2), employer_amount::numeric(14, 2),
               person_amount::numeric(14, 2), employer_uscc, paid_on, $1::uuid, line
        FROM src
        ORDER BY person_id, insutype, month, line
        {skipping}
    ), published AS (
        INSERT INTO outbox (id, type, body, created_at, next_attempt_at)
        SELECT id, $9::text,
               replace(replace(replace(replace(replace($4::text, $5::text, id::text),
                       '"@part@"', part::text), '@insutype@', insutype), '@month@', to_char(month, 'YYYY-MM')),
                       '"@persons@"', persons),
               $6::timestamptz, $6::timestamptz
        FROM (
            SELECT gen_random_uuid() AS id, insutype, month, persons,
                   $8::integer + row_number() OVER (ORDER BY insutype COLLATE "C", month, slot) AS part
            FROM (
                SELECT insutype, month, line / $7::integer AS slot,
                       '[' || string_agg('{{"psn_no":"' || psn_no || '","certno":"' || certno || '"}}',
                                         ',' ORDER BY line) || ']' AS persons
                FROM src {only_recorded}
                GROUP BY insutype, month, slot
            ) grouped
        ) parts
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM {recorded}) AS recorded, (SELECT count(*) FROM published) AS parts
"""
RECORD_CHUNK = _RECORD_CHUNK.format(skipping="", only_recorded="", recorded="src")
RECORD_CHUNK_SKIPPING = _RECORD_CHUNK.format(
    skipping="ON CONFLICT DO NOTHING RETURNING line",
    only_recorded="WHERE line IN (SELECT line FROM recorded)",
    recorded="recorded",
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
                 WHEN c.person_id IS NULL THEN 'not_recorded'
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
