-- 0009 operations: the backup catalogue, API keys of the ordering endpoint, and the documented
-- maintenance flag (an app_setting row, read through the maintenance_mode view).

COMMENT ON TABLE app_setting IS
    'A setting operators change at run time, by key: maintenance ({"on": bool, "reason", "since", "by"}), thresholds.';
COMMENT ON TABLE job_run IS 'One run of a job (nightly or by hand): what ran, for which business date, how it ended.';

CREATE VIEW maintenance_mode AS
SELECT coalesce(s.value -> 'on' = 'true'::jsonb, false) AS "on",
       s.value ->> 'reason' AS reason,
       s.value ->> 'since' AS since,
       s.value ->> 'by' AS "by",
       s.updated_at,
       s.updated_by
FROM (SELECT 1) AS one
LEFT JOIN app_setting s ON s.key = 'maintenance';
COMMENT ON VIEW maintenance_mode IS
    'The maintenance flag as one row (off when the app_setting row ''maintenance'' is absent): '
    'while on, jobs other than backups exit 75 and the ordering endpoint answers 503.';

CREATE TABLE backup (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                 text NOT NULL CONSTRAINT backup_kind_known
                         CHECK (kind IN ('scheduled', 'manual', 'pre-release', 'pre-restore')),
    pinned               boolean NOT NULL DEFAULT false,
    status               text NOT NULL DEFAULT 'running' CONSTRAINT backup_status_known
                         CHECK (status IN ('running', 'ok', 'failed')),
    file_path            text NOT NULL CHECK (file_path <> ''),
    size_bytes           bigint CHECK (size_bytes >= 0),
    sha256               text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    server_version       text,
    pg_dump_version      text,
    database_size_bytes  bigint CHECK (database_size_bytes >= 0),
    duration_ms          bigint CHECK (duration_ms >= 0),
    toc_entries          integer CHECK (toc_entries >= 0),
    release_id           text,
    job_run_id           bigint REFERENCES job_run,
    started_at           timestamptz NOT NULL DEFAULT now(),
    finished_at          timestamptz,
    error                text,
    verified_at          timestamptz,
    verify_ok            boolean,
    drill_at             timestamptz,
    drill_result         jsonb CHECK (jsonb_typeof(drill_result) = 'object'),
    deleted_at           timestamptz,
    CONSTRAINT backup_finished_unless_running CHECK ((status = 'running') = (finished_at IS NULL)),
    CONSTRAINT backup_ok_is_complete CHECK (status <> 'ok' OR (sha256 IS NOT NULL AND size_bytes IS NOT NULL)),
    CONSTRAINT backup_verify_recorded CHECK ((verified_at IS NULL) = (verify_ok IS NULL)),
    CONSTRAINT backup_drill_recorded CHECK ((drill_at IS NULL) = (drill_result IS NULL))
);
COMMENT ON TABLE backup IS 'One logical backup (pg_dump custom format) in the catalogue: how it was taken, verified and drilled.';
COMMENT ON COLUMN backup.pinned IS 'pinned, manual, pre-release and pre-restore backups are exempt from retention';
COMMENT ON COLUMN backup.release_id IS 'the ocpizza release a pre-release backup was taken before';
COMMENT ON COLUMN backup.drill_result IS
    'outcome of the last restore drill, e.g. {"ok": true, "sentinel": true, "tables": 42, "amcheck": "clean"}';
COMMENT ON COLUMN backup.deleted_at IS 'when prune or delete removed the file (the row stays for history)';
CREATE UNIQUE INDEX backup_file_path_key ON backup (file_path) WHERE deleted_at IS NULL;
CREATE INDEX backup_started_idx ON backup (started_at DESC);
CREATE INDEX backup_job_run_idx ON backup (job_run_id);

CREATE TABLE backup_copy (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    backup_id   bigint NOT NULL REFERENCES backup,
    location    text NOT NULL CHECK (location <> ''),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    copied_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    UNIQUE (backup_id, location)
);
COMMENT ON TABLE backup_copy IS 'An off-site copy of a backup, with the SHA-256 re-computed after copying.';

CREATE TABLE api_key (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (name <> ''),
    prefix        text NOT NULL CONSTRAINT api_key_prefix_key UNIQUE CHECK (length(prefix) BETWEEN 6 AND 32),
    key_hash      bytea NOT NULL CONSTRAINT api_key_hash_key UNIQUE
                  CONSTRAINT api_key_hash_sha256 CHECK (octet_length(key_hash) = 32),
    scopes        text[] NOT NULL CONSTRAINT api_key_scopes_present CHECK (cardinality(scopes) > 0),
    pizzeria_id   bigint REFERENCES pizzeria,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text NOT NULL DEFAULT current_user,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    CONSTRAINT api_key_revoked_after_created CHECK (revoked_at >= created_at)
);
COMMENT ON TABLE api_key IS
    'A key a channel (website, phone desk, till) uses on the ordering endpoint; only its SHA-256 is stored.';
COMMENT ON COLUMN api_key.prefix IS 'the first characters of the key, shown in listings and logs to tell keys apart';
COMMENT ON COLUMN api_key.key_hash IS 'SHA-256 of the whole key (32 bytes); the key itself is shown once at creation';
COMMENT ON COLUMN api_key.scopes IS 'what the key may do, e.g. {orders:write,orders:read,menu:read}';
COMMENT ON COLUMN api_key.pizzeria_id IS 'NULL = any shop; set for a till key bound to its shop';
CREATE INDEX api_key_pizzeria_idx ON api_key (pizzeria_id);
