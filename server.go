// Command frontdesk runs the Frontdesk GraphQL server.
//
//	frontdesk [serve]          run the server (default)
//	frontdesk migrate          create the database if needed and apply migrations
//	frontdesk seed             migrate, then create the demo organisation if missing
//	frontdesk token -email E   mint an access token for an existing user
//
// Configuration comes from environment variables; see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"frontdesk/internal/app"
	"frontdesk/internal/auth"
	"frontdesk/internal/clock"
	"frontdesk/internal/config"
	"frontdesk/internal/logging"
	"frontdesk/internal/organization"
)

const usage = `Frontdesk: an AI front office behind a GraphQL API.

Usage:
  frontdesk [serve]              run the server (default): migrate, seed the demo, listen
  frontdesk migrate              create the database if missing and apply migrations
  frontdesk seed                 migrate, then create the demo organisation if missing
  frontdesk token -email ADDR    print an access token for an existing user
                 [-ttl 24h]
  frontdesk help                 show this help

Configuration is read from the environment (FRONTDESK_ADDR, DATABASE_URL,
FRONTDESK_JWT_SECRET, FRONTDESK_ENV, FRONTDESK_LOG_LEVEL, ...): see README.md.
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "frontdesk:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" || (len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help")) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := logging.New(stderr, cfg.LogLevel)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, stdout)
	case "migrate":
		a, err := app.Connect(ctx, cfg, log)
		if err != nil {
			return err
		}
		a.Close()
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "seed":
		a, err := app.Connect(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer a.Close()
		created, err := a.SeedDemo(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo organisation ready (created now: %t)\n", created)
		return nil
	case "token":
		fs := flag.NewFlagSet("token", flag.ContinueOnError)
		fs.SetOutput(stderr)
		email := fs.String("email", organization.DemoEmail(auth.RoleAdmin), "e-mail of an existing active user")
		if err := fs.Parse(args); err != nil {
			return err
		}
		a, err := app.Connect(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer a.Close()
		tok, _, err := a.Organizations.TokenFor(ctx, *email)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, tok)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	a, err := app.Connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.SeedDemo(ctx); err != nil {
		return err
	}
	if err := a.Build(ctx, clock.System{}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set FRONTDESK_ADDR)", cfg.Addr, err)
	}
	if err := a.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	url := cfg.PublicURL
	if url == "" {
		// The listener's address: with FRONTDESK_ADDR=:0 the port is known
		// only now.
		url = "http://" + displayAddr(ln.Addr().String())
	}
	tok, _, err := a.Organizations.TokenFor(ctx, organization.DemoEmail(auth.RoleAdmin))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Frontdesk is running.\n  GraphQL:    %s/graphql\n  WebSocket:  %s/graphql (graphql-transport-ws)\n  Web chat public key: %s\n  Demo admin token (valid %s):\n%s\n",
		url, strings.Replace(url, "http", "ws", 1), organization.DemoPublicKey, cfg.TokenTTL, tok)
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("env", cfg.Env))
	err = a.Serve(ctx, ln)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
