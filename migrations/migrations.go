// Package migrations holds Frontdesk's SQL schema history, embedded into the
// binary so that a single executable can create and upgrade its database.
//
// Files follow bun/migrate's naming: <version>_<name>.tx.up.sql runs inside a
// transaction. River's own tables are migrated by rivermigrate in the same
// locked step (see internal/database).
package migrations

import "embed"

// FS is every SQL migration, in version order by file name.
//
//go:embed *.sql
var FS embed.FS
