-- Nothing to change on PostgreSQL: its lease and failed-error-code indexes are partial on their status since
-- 20261201000000_lean_hot_path. The SQLite migration of the same name catches up (the providers keep one list).
SELECT 1;
