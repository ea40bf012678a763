-- Idempotency keys are stored scoped to their user, and were written as "<user>:<key>": user "a:b" with key "c" and
-- user "a" with key "b:c" named one job, and the second was given the first's. The user's id is now written with its
-- '\' and ':' escaped ('\\', '\:'), so that the first unescaped ':' ends it. An id with neither is written as before;
-- the keys of users whose id has one are rewritten here. Through a table of their own, set apart first: rewritten in
-- place one by one, a new key could meet an old one not yet rewritten (user "a:" with key "b:c" is now "a\::b:c",
-- which user "a\" with key ":b:c" was) and the unique index would stop the migration.
CREATE TEMP TABLE "rekeyed_jobs" AS
  SELECT id, replace(replace(user_id, '\', '\\'), ':', '\:') || substr(idempotency_key, length(user_id) + 1)
           AS idempotency_key
    FROM "processing_jobs"
   WHERE idempotency_key IS NOT NULL
     AND (instr(user_id, ':') > 0 OR instr(user_id, '\') > 0)
     AND substr(idempotency_key, 1, length(user_id) + 1) = user_id || ':';
UPDATE "processing_jobs" SET idempotency_key = NULL WHERE id IN (SELECT id FROM "rekeyed_jobs");
UPDATE "processing_jobs"
   SET idempotency_key = (SELECT rekeyed.idempotency_key FROM "rekeyed_jobs" AS rekeyed WHERE rekeyed.id = "processing_jobs".id)
 WHERE id IN (SELECT id FROM "rekeyed_jobs");
DROP TABLE "rekeyed_jobs";
