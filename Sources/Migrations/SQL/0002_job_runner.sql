-- 0002 job runner: every job run is recorded before any precheck, keeps a heartbeat while it
-- works, and ends with one of the runner's outcomes. A run whose heartbeat went stale (its
-- process died) is marked failed by the next invocation, never left 'running'.

ALTER TABLE job_run DROP CONSTRAINT job_run_status_check;
ALTER TABLE job_run
    ADD CONSTRAINT job_run_status_check
        CHECK (status IN ('running', 'ok', 'partial', 'failed', 'skipped')),
    ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN options jsonb NOT NULL DEFAULT '{}';

COMMENT ON COLUMN job_run.status IS
    'running; ok (exit 0); partial (done, some inputs rejected, exit 65); failed; skipped (locked or maintenance, exit 75)';
COMMENT ON COLUMN job_run.summary IS 'counts and figures the job reported, e.g. {"files_imported": 3}';
COMMENT ON COLUMN job_run.options IS 'the options the run was started with (dates, shops, paths)';

-- The runner looks for runs left 'running' on every start.
CREATE INDEX job_run_running_idx ON job_run (job) WHERE status = 'running';
-- jobs status: last outcome per job.
CREATE INDEX job_run_job_finished_idx ON job_run (job, finished_at DESC) WHERE status IN ('ok', 'partial');
