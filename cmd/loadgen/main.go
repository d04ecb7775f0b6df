// Command loadgen measures Frontdesk under load and prints the figures:
// open-loop GraphQL queries, subscription fan-out over WebSockets, memory
// per idle WebSocket, River job pickup latency, the message pipeline's
// commit-to-reply latency, signed WhatsApp webhook ingest against pgbench,
// and WhatsApp end to end (webhook to reply accepted by a local Graph API
// server). Everything runs against
// 127.0.0.1: by default loadgen runs the Frontdesk app itself (in-process,
// or as a `serve` child process where client and server must not share a
// heap), on a dedicated, seeded database.
//
//	go run ./cmd/loadgen seed                      create the data set once
//	go run ./cmd/loadgen query     [-rate 300]     inbox query latency and SQL per request
//	go run ./cmd/loadgen fanout    [-n 1000]       inboxEvents delivery latency to n sockets
//	go run ./cmd/loadgen wsmem     [-n 1000]       server memory per idle subscribed socket
//	go run ./cmd/loadgen jobpickup [-rate 50]      River insert-commit to job-start latency
//	go run ./cmd/loadgen pipeline  [-rate 100]     visitor message commit to bot reply commit
//	go run ./cmd/loadgen ingest    [-concurrency 16] WhatsApp webhook ingest: saturation, pgbench, p99 at half
//	go run ./cmd/loadgen e2e       [-rate 300]     WhatsApp webhook to reply accepted by a fake Graph API, then pgbench's floor
//	go run ./cmd/loadgen serve                     run the server alone, print URL and tokens
//	go run ./cmd/loadgen fanout-clients -url ws://... -token T   fan-out clients only
//
// Each benchmark prints a table and one JSON line (prefixed "RESULT ").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `loadgen: load generator for Frontdesk (targets 127.0.0.1 only).

Usage:
  loadgen seed      [-database-url URL] [-conversations 10000] [-messages 20]
  loadgen query     [-rate 300] [-duration 30s] [-first 50] [-child] [-show-sql N] [-cpuprofile F]
                    [-url URL -token T]
  loadgen fanout    [-n 1000] [-events 20] [-interval 500ms] [-url URL -token T -public-key K]
  loadgen fanout-clients -url ws://127.0.0.1:PORT/graphql -token T -public-key K [-n 1000]
  loadgen wsmem     [-n 1000] [-settle 2s] [-heapprofile F] [-url URL -token T -pid PID]
  loadgen jobpickup [-rate 50] [-duration 30s]
  loadgen pipeline  [-rate 100] [-duration 30s] [-conversations 200] [-cpuprofile F]
  loadgen ingest    [-duration 30s] [-concurrency 16] [-rate 0] [-repeat 0.2] [-jobs scheduled|available]
                    [-pgbench PATH|none] [-pgbench-script F] [-cpuprofile F]
  loadgen e2e       [-rate 300] [-duration 30s] [-drain 30s] [-cpuprofile F]
                    [-pgbench PATH|none] [-floor-clients 4,8,16] [-floor-duration 20s] [-floor-writes-only]
  loadgen serve     [-addr 127.0.0.1:0]

Without -url, loadgen seeds the database (default frontdesk_bench) if
needed and runs the server itself: in-process for query, jobpickup,
pipeline, ingest and e2e (these three on their own databases,
frontdesk_bench_pipeline, frontdesk_bench_ingest and frontdesk_bench_e2e),
as a child "serve" process for fanout and wsmem (and for query with -child).
ingest runs each phase for -duration: closed-loop saturation with nothing
processing the messages, pgbench running the same statements as one
transaction, then open loop at half the saturation throughput, the app's
and then pgbench's (-R), each without its first second.
e2e, after its run, stops the app and runs pgbench on one customer's SQL (the floor:
the most this machine's PostgreSQL answers end to end) at each
-floor-clients count, and reports the best.
Each benchmark prints a table and one line "RESULT {json}".
Run "loadgen CMD -h" for every flag.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, args := args[0], args[1:]
	var err error
	switch cmd {
	case "seed":
		err = cmdSeed(ctx, args, stdout, stderr)
	case "serve":
		err = cmdServe(ctx, args, stdout, stderr)
	case "query":
		err = cmdQuery(ctx, args, stdout, stderr)
	case "fanout":
		err = cmdFanout(ctx, args, stdout, stderr, false)
	case "fanout-clients":
		err = cmdFanout(ctx, args, stdout, stderr, true)
	case "wsmem":
		err = cmdWSMem(ctx, args, stdout, stderr)
	case "jobpickup":
		err = cmdJobPickup(ctx, args, stdout, stderr)
	case "pipeline":
		err = cmdPipeline(ctx, args, stdout, stderr)
	case "ingest":
		err = cmdIngest(ctx, args, stdout, stderr)
	case "e2e":
		err = cmdE2E(ctx, args, stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
