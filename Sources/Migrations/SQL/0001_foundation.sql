-- 0001 foundation: what every later part of the schema stands on.
--
-- Conventions for every migration after this one:
--   * one file per change, never edited once applied (db migrate refuses a changed file);
--   * money in integer cents (bigint), supplier unit prices and quantities in numeric;
--   * instants in timestamptz, business dates in date, computed from the shop's zone and cutoff;
--   * ledgers append-only: protect them with the ocpizza_append_only() trigger below.

-- Append-only ledgers: a correction is a counter-entry, never an edit (French cash-register
-- rules). Attach with:
--   CREATE TRIGGER x_append_only BEFORE UPDATE OR DELETE ON x
--     FOR EACH ROW EXECUTE FUNCTION ocpizza_append_only();
CREATE FUNCTION ocpizza_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'record a counter-entry instead of changing history';
END;
$$;

-- Key/value settings that operators change at run time (maintenance flag, thresholds).
CREATE TABLE app_setting (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL DEFAULT current_user
);

-- One row per run of a job (nightly or by hand): what ran, for which business date, how it ended.
CREATE TABLE job_run (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job            text NOT NULL,
    business_date  date,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    status         text NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'skipped')),
    exit_code      integer,
    host           text NOT NULL,
    pid            integer NOT NULL,
    summary        jsonb NOT NULL DEFAULT '{}',
    error          text,
    CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX job_run_job_started_idx ON job_run (job, started_at DESC);
