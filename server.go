// Command frontdesk runs the Frontdesk GraphQL server.
//
//	frontdesk [serve]                run the server (default)
//	frontdesk migrate                create the database if needed and apply migrations
//	frontdesk seed [-production]     migrate, then create the demo organisation if missing
//	frontdesk unseed [-production]   delete the demo organisation and all its data
//	frontdesk token -email E         mint an access token for an existing user
//
// The demo organisation's users share a published password, so production
// (FRONTDESK_ENV=production) never seeds it on its own, refuses seed and
// unseed without -production, and warns at start-up when it finds one.
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
  frontdesk [serve]              run the server (default): migrate and listen; in
                                 development also seed the demo organisation and
                                 print a demo admin token (production never does)
  frontdesk migrate              create the database if missing and apply migrations
  frontdesk seed [-production]   migrate, then create the demo organisation if
                                 missing; its users share a published password, so
                                 production refuses without -production
  frontdesk unseed [-production] delete the demo organisation and all its data (users,
                                 channels, conversations, messages, events, leads and
                                 its River jobs) in one transaction; production
                                 refuses without -production
  frontdesk token -email ADDR    print an access token for an existing active user
                                 (valid for FRONTDESK_TOKEN_TTL)
  frontdesk help                 show this help

Configuration is read from the environment (FRONTDESK_ADDR, DATABASE_URL,
FRONTDESK_JWT_SECRET, FRONTDESK_ENV, FRONTDESK_LOG_LEVEL, ...): see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "frontdesk:", err)
		os.Exit(1)
	}
}

// run executes one command until it finishes or ctx is cancelled. The
// environment comes through env (os.LookupEnv in main) so that tests can
// run commands side by side, each with its own settings.
func run(ctx context.Context, args []string, env func(string) (string, bool), stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" || (len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help")) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := config.LoadFrom(env)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := logging.New(stderr, cfg.LogLevel)
	slog.SetDefault(log)

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
		a, err := demoCommand(ctx, cmd, args, cfg, log, stderr)
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
	case "unseed":
		a, err := demoCommand(ctx, cmd, args, cfg, log, stderr)
		if err != nil {
			return err
		}
		defer a.Close()
		removed, err := a.RemoveDemo(ctx)
		if err != nil {
			return err
		}
		if removed {
			fmt.Fprintln(stdout, "demo organisation removed, with all its data")
		} else {
			fmt.Fprintln(stdout, "no demo organisation: nothing removed")
		}
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
	if cfg.Production() {
		if err := a.WarnDemo(ctx); err != nil {
			return err
		}
	} else if _, err := a.SeedDemo(ctx); err != nil {
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
	banner := fmt.Sprintf("Frontdesk is running.\n  GraphQL:    %s/graphql\n  WebSocket:  %s/graphql (graphql-transport-ws)\n",
		url, strings.Replace(url, "http", "ws", 1))
	if !cfg.Production() {
		tok, _, err := a.Organizations.TokenFor(ctx, organization.DemoEmail(auth.RoleAdmin))
		if err != nil {
			return err
		}
		banner += fmt.Sprintf("  GraphiQL:   %s/graphql (open in a browser)\n  Web chat public key: %s\n  Demo admin token (valid %s):\n%s\n", url, organization.DemoPublicKey, cfg.TokenTTL, tok)
	}
	fmt.Fprint(stdout, banner)
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("env", cfg.Env))
	err = a.Serve(ctx, ln)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// demoCommand parses the flags of seed and unseed, refuses them in
// production unless -production says the operator means it, and connects
// to the (migrated) database; the caller closes the app.
func demoCommand(ctx context.Context, cmd string, args []string, cfg config.Config, log *slog.Logger, stderr io.Writer) (*app.App, error) {
	if err := demoAllowed(cmd, args, cfg, stderr); err != nil {
		return nil, err
	}
	return app.Connect(ctx, cfg, log)
}

func demoAllowed(cmd string, args []string, cfg config.Config, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	production := fs.Bool("production", false, "run even though FRONTDESK_ENV=production")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", cmd, fs.Args())
	}
	if !cfg.Production() || *production {
		return nil
	}
	if cmd == "seed" {
		return fmt.Errorf("seed: refusing in production (FRONTDESK_ENV=production): the demo organisation's users share the published password %q and its web chat key is public; pass -production to seed it anyway", organization.DemoPassword)
	}
	return fmt.Errorf("%s: refusing in production (FRONTDESK_ENV=production) without -production: it deletes the demo organisation and all its data", cmd)
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
