-- 0014 backups: what a restore drill needs from the moment of the dump, and off-site copies
-- with their own retention.
--
-- A backup is proven restorable only by restoring it (see docs/OPERATIONS.md): at dump time the
-- job writes a sentinel row and records, in the same snapshot pg_dump reads, the row count and
-- a content checksum of every table; the drill restores the archive into a scratch database
-- and compares.

ALTER TABLE backup
    ADD COLUMN format text NOT NULL DEFAULT 'custom'
        CONSTRAINT backup_format_known CHECK (format IN ('custom', 'directory')),
    ADD COLUMN database_name text,
    ADD COLUMN sentinel text,
    ADD COLUMN fingerprint jsonb CONSTRAINT backup_fingerprint_object CHECK (jsonb_typeof(fingerprint) = 'object'),
    ADD COLUMN globals_path text,
    ADD COLUMN verify_error text;
COMMENT ON COLUMN backup.format IS 'pg_dump format: custom (one file) or directory (parallel dump; sha256 over its manifest)';
COMMENT ON COLUMN backup.sentinel IS 'the backup_sentinel token written just before the dump; a drill checks it was restored';
COMMENT ON COLUMN backup.fingerprint IS
    'per table, in the dump''s snapshot: {"public.orders": {"rows": 120, "checksum": "-2147..."}}; a drill compares';
COMMENT ON COLUMN backup.globals_path IS
    'pg_dumpall --globals-only --no-role-passwords output beside the dump (roles, settings), when the role may read them';

CREATE TABLE backup_sentinel (
    token       text PRIMARY KEY CHECK (token <> ''),
    written_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE backup_sentinel IS
    'A row written just before each dump: the drill checks the restored database has it (the dump is of this moment).';

ALTER TABLE backup_copy
    ADD COLUMN size_bytes bigint CHECK (size_bytes >= 0),
    ADD COLUMN copy_path text;
COMMENT ON COLUMN backup_copy.copy_path IS 'where the copy is inside the off-site location';
