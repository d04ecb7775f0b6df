// Package e2e holds end-to-end tests that build the real frontdesk binary
// and run it as separate OS processes, each with its own environment, the
// way an operator would: `go run .` on a fresh database, the one-shot
// commands, a private PostgreSQL cluster when the configured server does
// not answer, several replicas sharing one database, and replicas started
// together on a database that does not exist yet.
//
// The package has no code of its own; everything is in its _test.go files.
package e2e
