-- Ids and codes compare by their bytes (issue 14). Every index the queue writes at an enqueue, a claim or a
-- completion holds an id (the states' and records' keys, the claim's order) or a status; with the database's own
-- collation (C.UTF-8 on these machines, often en_US.UTF-8 elsewhere) each comparison in them went through strcoll
-- after copying both strings: bttextcmp, varstr_cmp and strcoll were ~9 % of PostgreSQL's CPU in a burn-down
-- (perf, 200,000 jobs). With "C" a comparison is a memcmp: PostgreSQL's CPU a job, serial claims and completions of
-- 256 over 20,000 jobs, 42.5 against 46.5 µs, and the bulk insert 15.0 against 17.5 µs (seven alternating rounds,
-- medians; a database created with LC_COLLATE 'C' against the default).
--
-- The columns changed hold only machine-made identifiers and codes: their order is the same byte for byte as
-- before under C.UTF-8 (the ids are lowercase ASCII), equality is byte equality under any deterministic collation, so
-- no key, lock order or uniqueness changes. Every column compared with another (a job's file with the file's id, a
-- state with its record, an attempt with its job, the tallies with the states) changes with it: a comparison of a
-- "C" column with a column in the database's collation is made in "C", and an index serves only comparisons in its
-- own collation. Names, messages and text keep the database's collation. SQLite compares text by its bytes already
-- (BINARY).
--
-- The processing_jobs view reads these columns, and a column a view reads cannot change its type; the view, its
-- defaults, its INSTEAD OF triggers, its owner, the privileges granted on it and its comments are read from the
-- catalog, and it is dropped and created again as it was. A view of a host's own over processing_jobs stops the
-- migration (PostgreSQL drops no view that another depends on), which then changes nothing: drop that view first,
-- and create it again once the instance has started.
-- The indexes on the columns are rebuilt; the tables are not rewritten (the type stays text, as each table's file
-- node shows). Writers wait meanwhile: 8.6 s for 1,000,000 jobs with an attempt each, on a 2-core AMD EPYC.
DO $$
DECLARE
  view_definition text := pg_get_viewdef('processing_jobs'::regclass);
  restore text[] := ARRAY(
    SELECT format('ALTER VIEW processing_jobs ALTER COLUMN %I SET DEFAULT %s', attribute.attname,
                  pg_get_expr(default_value.adbin, default_value.adrelid))
      FROM pg_attrdef AS default_value
      JOIN pg_attribute AS attribute
        ON attribute.attrelid = default_value.adrelid AND attribute.attnum = default_value.adnum
     WHERE default_value.adrelid = 'processing_jobs'::regclass
     ORDER BY attribute.attnum)
    || ARRAY(SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'processing_jobs'::regclass ORDER BY tgname)
    || ARRAY(SELECT format('ALTER VIEW processing_jobs OWNER TO %I', pg_get_userbyid(relowner))
               FROM pg_class WHERE oid = 'processing_jobs'::regclass AND pg_get_userbyid(relowner) <> current_user)
    || ARRAY(SELECT format('GRANT %s ON processing_jobs TO %s%s', privilege.privilege_type,
                           CASE WHEN privilege.grantee = 0 THEN 'PUBLIC'
                                ELSE quote_ident(pg_get_userbyid(privilege.grantee)) END,
                           CASE WHEN privilege.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
               FROM pg_class AS view_class, aclexplode(view_class.relacl) AS privilege
              WHERE view_class.oid = 'processing_jobs'::regclass AND privilege.grantee <> view_class.relowner
              ORDER BY 1)
    || ARRAY(SELECT CASE WHEN comment.objsubid = 0
                         THEN format('COMMENT ON VIEW processing_jobs IS %L', comment.description)
                         ELSE format('COMMENT ON COLUMN processing_jobs.%I IS %L', attribute.attname,
                                     comment.description) END
               FROM pg_description AS comment
               LEFT JOIN pg_attribute AS attribute
                 ON attribute.attrelid = comment.objoid AND attribute.attnum = comment.objsubid
              WHERE comment.objoid = 'processing_jobs'::regclass AND comment.classoid = 'pg_class'::regclass
              ORDER BY comment.objsubid);
  statement text;
BEGIN
  DROP VIEW processing_jobs;

  ALTER TABLE stored_files
    ALTER COLUMN id TYPE TEXT COLLATE "C", ALTER COLUMN format TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
  ALTER TABLE job_records
    ALTER COLUMN id TYPE TEXT COLLATE "C", ALTER COLUMN file_id TYPE TEXT COLLATE "C",
    ALTER COLUMN format TYPE TEXT COLLATE "C", ALTER COLUMN idempotency_key TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
  ALTER TABLE job_states
    ALTER COLUMN id TYPE TEXT COLLATE "C", ALTER COLUMN status TYPE TEXT COLLATE "C",
    ALTER COLUMN stage TYPE TEXT COLLATE "C", ALTER COLUMN format TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C", ALTER COLUMN lease_owner TYPE TEXT COLLATE "C",
    ALTER COLUMN error_code TYPE TEXT COLLATE "C";
  ALTER TABLE job_attempts
    ALTER COLUMN id TYPE TEXT COLLATE "C", ALTER COLUMN job_id TYPE TEXT COLLATE "C",
    ALTER COLUMN worker_id TYPE TEXT COLLATE "C", ALTER COLUMN outcome TYPE TEXT COLLATE "C",
    ALTER COLUMN error_code TYPE TEXT COLLATE "C";
  ALTER TABLE job_counts
    ALTER COLUMN status TYPE TEXT COLLATE "C", ALTER COLUMN format TYPE TEXT COLLATE "C";

  EXECUTE 'CREATE VIEW processing_jobs AS ' || view_definition;
  FOREACH statement IN ARRAY restore LOOP
    EXECUTE statement;
  END LOOP;
END $$;
