// Package pgembed runs a private PostgreSQL cluster for the dev server when
// no database is reachable: it finds the locally installed server binaries,
// initialises a data directory on first use, starts the server on a
// loopback port and stops it again on exit.
//
// It shells out to the real initdb and pg_ctl rather than embedding a
// server, so it needs PostgreSQL installed (Debian: apt-get install
// postgresql) and works only on Unix-like systems.
package pgembed
