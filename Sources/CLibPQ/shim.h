#ifndef OCPIZZA_CLIBPQ_SHIM_H
#define OCPIZZA_CLIBPQ_SHIM_H

#include <libpq-fe.h>
#include <postgres_ext.h>

// The PG_DIAG_* field codes are char-literal macros, which Swift does not import.
static const int OCPQ_DIAG_SEVERITY = PG_DIAG_SEVERITY_NONLOCALIZED;
static const int OCPQ_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int OCPQ_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int OCPQ_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int OCPQ_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int OCPQ_DIAG_STATEMENT_POSITION = PG_DIAG_STATEMENT_POSITION;
static const int OCPQ_DIAG_SCHEMA_NAME = PG_DIAG_SCHEMA_NAME;
static const int OCPQ_DIAG_TABLE_NAME = PG_DIAG_TABLE_NAME;
static const int OCPQ_DIAG_COLUMN_NAME = PG_DIAG_COLUMN_NAME;
static const int OCPQ_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;

#endif
