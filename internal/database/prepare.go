package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// openSQL returns database/sql over pool, where a statement sent with
// arguments is prepared once per connection and its plan reused (pgx's
// statement cache), and one sent without runs unprepared.
//
// Why both: bun interpolates its arguments into the SQL text, so nearly
// every bun statement is unique text without arguments, and preparing each
// would cost a round trip and churn the cache for nothing. River's queries
// and our hottest ones are fixed text with $n arguments: planning them on
// every call cost about a third of PostgreSQL's time in the end-to-end
// benchmark. The pool's default mode stays QueryExecModeExec.
func openSQL(pool *pgxpool.Pool) *sql.DB {
	db := sql.OpenDB(preparingConnector{stdlib.GetPoolConnector(pool)})
	// As stdlib.OpenDBFromPool: the pgx pool keeps the idle connections.
	db.SetMaxIdleConns(0)
	return db
}

// preparingConnector hands out preparingConns. It and they are also where
// every database/sql call's error passes, so that is where an outage is
// recognised (Classify) for every store at once.
type preparingConnector struct{ driver.Connector }

func (c preparingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, classifyAcquire(err)
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("database: unexpected driver connection %T", conn)
	}
	return preparingConn{sc}, nil
}

// preparingConn is a stdlib.Conn (every interface database/sql looks for
// is promoted) whose statements with arguments use the statement cache.
type preparingConn struct{ *stdlib.Conn }

func (c preparingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.ExecContext(ctx, query, cached(args))
	return res, Classify(err)
}

func (c preparingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.QueryContext(ctx, query, cached(args))
	if err != nil {
		return nil, Classify(err)
	}
	if r, ok := rows.(*stdlib.Rows); ok {
		return classifiedRows{r}, nil
	}
	return rows, nil
}

func (c preparingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, Classify(err)
	}
	return classifiedTx{tx}, nil
}

// classifiedRows is a stdlib.Rows (every optional interface promoted)
// whose failures while streaming are classified; io.EOF is the normal end.
type classifiedRows struct{ *stdlib.Rows }

func (r classifiedRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err == io.EOF { //nolint:errorlint // database/sql compares the end of rows by identity
		return err
	}
	return Classify(err)
}

// classifiedTx classifies a commit or rollback that lost its connection.
type classifiedTx struct{ driver.Tx }

func (t classifiedTx) Commit() error   { return Classify(t.Tx.Commit()) }
func (t classifiedTx) Rollback() error { return Classify(t.Tx.Rollback()) }

// cached puts pgx's statement-cache mode before args, where pgx reads its
// per-query options; no arguments, no preparing.
func cached(args []driver.NamedValue) []driver.NamedValue {
	if len(args) == 0 {
		return args
	}
	return append([]driver.NamedValue{{Value: pgx.QueryExecModeCacheStatement}}, args...)
}
