package database

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"
)

// ScanOne runs query on db (a *bun.DB or a bun.Tx) with args as $n
// parameters and scans its first row into dest (a bun model, or values);
// sql.ErrNoRows when there is none.
//
// Why not bun's own Scan: bun writes the values into the SQL text, so
// PostgreSQL plans every call anew. With parameters the pool prepares the
// statement once per connection and reuses its plan (openSQL), which is
// worth it for the statements every message runs.
func ScanOne(ctx context.Context, db bun.IDB, dest any, query string, args ...any) error {
	var (
		rows *sql.Rows
		err  error
	)
	switch d := db.(type) {
	case *bun.DB:
		rows, err = d.DB.QueryContext(ctx, query, args...)
	case bun.Tx:
		rows, err = d.Tx.QueryContext(ctx, query, args...)
	case *bun.Tx:
		rows, err = d.Tx.QueryContext(ctx, query, args...)
	default:
		return fmt.Errorf("database: ScanOne on %T", db)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := db.NewSelect().DB().ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}
