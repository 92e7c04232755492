-- One slice of history (business dates :'first'..:'last', :per_shop orders a shop a day, Sunday
-- counts, Tuesday receipts), then every count-to-count period before the benchmarked day marked
-- as reconciled already (a nightly run did it then) and the last run's record, so the timed run
-- works as the next night would.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
\ir bench-reconcile-orders.sql
\set count_first :first
\set count_last :last
\ir bench-reconcile-counts.sql
INSERT INTO stock_period (pizzeria_id, opening_count_id, closing_count_id, starts_at, ends_at)
SELECT pizzeria_id, id, next_id, counted_at, next_at
FROM (SELECT c.id, c.pizzeria_id, c.counted_at, c.business_date,
             lead(c.id) OVER w AS next_id, lead(c.counted_at) OVER w AS next_at,
             lead(c.business_date) OVER w AS next_date
      FROM stock_count c WHERE c.pizzeria_id IN (SELECT id FROM bench_shop) AND c.status = 'approved'
      WINDOW w AS (PARTITION BY c.pizzeria_id ORDER BY c.counted_at, c.id)) pairs
WHERE next_id IS NOT NULL AND next_date < :'d'::date
  AND NOT EXISTS (SELECT 1 FROM stock_period p WHERE p.closing_count_id = pairs.next_id)
  AND NOT EXISTS (SELECT 1 FROM stock_period p WHERE p.opening_count_id = pairs.id);
DELETE FROM job_run WHERE job = 'reconcile-stock';
INSERT INTO job_run (job, business_date, status, started_at, finished_at, host, pid, exit_code)
VALUES ('reconcile-stock', :'d'::date - 1, 'ok', clock_timestamp(), clock_timestamp(), 'bench', 0, 0);
