// Package app is Frontdesk's composition root: it connects to PostgreSQL
// (starting a private cluster in development when none is reachable),
// migrates, builds the services, River and the realtime hub, and serves
// HTTP until told to stop.
package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"frontdesk/graph"
	"frontdesk/internal/auth"
	"frontdesk/internal/channel"
	"frontdesk/internal/channel/meta"
	"frontdesk/internal/channel/telegram"
	"frontdesk/internal/classify"
	"frontdesk/internal/clock"
	"frontdesk/internal/config"
	"frontdesk/internal/conversation"
	"frontdesk/internal/database"
	"frontdesk/internal/delivery"
	"frontdesk/internal/eager"
	"frontdesk/internal/graphiql"
	"frontdesk/internal/intake"
	"frontdesk/internal/lead"
	"frontdesk/internal/llm"
	"frontdesk/internal/logging"
	"frontdesk/internal/media"
	"frontdesk/internal/metrics"
	"frontdesk/internal/organization"
	"frontdesk/internal/pgembed"
	"frontdesk/internal/pipeline"
	"frontdesk/internal/realtime"
	"frontdesk/internal/secretbox"
	"frontdesk/jobs"
	"frontdesk/jobs/worker"
)

// App is a running Frontdesk instance.
type App struct {
	Config      config.Config
	Log         *slog.Logger
	DB          *database.DB
	DatabaseURL string
	Tokens      *auth.Tokens
	// Secrets seals channel credentials at rest.
	Secrets       *secretbox.Box
	Organizations *organization.Service
	Conversations *conversation.Service
	Pipeline      *pipeline.Processor
	// Connections connects channel accounts and caches them for webhooks
	// and sends.
	Connections *channel.Connections
	// Delivery sends outbound messages to the platforms (the outbox).
	Delivery *delivery.Service
	River    *river.Client[*sql.Tx]
	// Eager answers accepted messages in this process at once, River being
	// the fallback; nil when FRONTDESK_EAGER_FALLBACK is 0.
	Eager    *eager.Runner
	Hub      *realtime.Hub
	Media    *media.Service // fetches platform files and serves them at /media/
	Endpoint *graph.Endpoint
	Handler  http.Handler

	cluster *pgembed.Cluster
}

// Connect opens (and if needed creates and migrates) the database, falling
// back to a private cluster in development. Commands that only need the
// database (migrate, seed, token) stop here.
func Connect(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: log, DatabaseURL: cfg.DatabaseURL}
	if err := database.Reachable(ctx, cfg.DatabaseURL); err != nil {
		if cfg.Production() || !cfg.EmbeddedPostgres {
			return nil, fmt.Errorf("cannot reach PostgreSQL (%v): start it, or set DATABASE_URL to a reachable server", err)
		}
		if err := a.startPrivateCluster(ctx, err); err != nil {
			return nil, err
		}
	}
	if err := database.EnsureDatabase(ctx, a.DatabaseURL); err != nil {
		a.Close()
		return nil, err
	}
	db, err := database.Open(ctx, a.DatabaseURL, 40)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.DB = db
	if err := database.Migrate(ctx, db, log); err != nil {
		a.Close()
		return nil, err
	}
	secret, err := a.jwtSecret()
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Tokens, err = auth.NewTokens(auth.TokenConfig{
		Secret: secret, KeyFile: cfg.JWTKeyFile, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience,
		TTL: cfg.TokenTTL, VisitorTTL: cfg.VisitorTokenTTL,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	if a.Secrets, err = a.secretBox(); err != nil {
		a.Close()
		return nil, err
	}
	passwords, err := auth.NewPasswords(cfg.PasswordCost)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Organizations = organization.NewService(db.Bun, a.Tokens, passwords)
	return a, nil
}

func (a *App) startPrivateCluster(ctx context.Context, cause error) error {
	bin, err := pgembed.FindBinaries()
	if err != nil {
		return fmt.Errorf("cannot reach PostgreSQL (%v) and cannot start a private one: %w; or set DATABASE_URL", cause, err)
	}
	a.Log.WarnContext(ctx, "PostgreSQL not reachable; starting a private cluster", slog.String("reason", cause.Error()), slog.String("data_dir", filepath.Join(a.Config.DataDir, "pg")))
	cl, err := pgembed.Start(ctx, pgembed.Options{DataDir: filepath.Join(a.Config.DataDir, "pg"), BinDir: bin, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("start private PostgreSQL: %w", err)
	}
	a.cluster = cl
	name, err := databaseName(a.Config.DatabaseURL)
	if err != nil {
		return err
	}
	a.DatabaseURL = cl.DSN(name)
	return nil
}

func databaseName(u string) (string, error) {
	i := strings.LastIndex(u, "/")
	if i < 0 {
		return "", errors.New("DATABASE_URL names no database")
	}
	name := u[i+1:]
	if j := strings.IndexByte(name, '?'); j >= 0 {
		name = name[:j]
	}
	return name, nil
}

// jwtSecret returns the configured secret or, in development, one kept
// under the data folder so tokens survive restarts.
func (a *App) jwtSecret() ([]byte, error) {
	if a.Config.JWTSecret != "" || a.Config.JWTKeyFile != "" {
		return []byte(a.Config.JWTSecret), nil
	}
	return a.devSecret("jwt-secret", func() []byte { return []byte(rand.Text() + rand.Text()) })
}

// secretBox returns the box that seals channel credentials, keyed by
// FRONTDESK_SECRET_KEY or, in development, by a key kept under the data folder.
func (a *App) secretBox() (*secretbox.Box, error) {
	var key []byte
	var err error
	if a.Config.SecretKey != "" {
		key, err = secretbox.ParseKey(a.Config.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("FRONTDESK_SECRET_KEY: %w", err)
		}
	} else {
		key, err = a.devSecret("secret-key", func() []byte {
			k := make([]byte, secretbox.KeySize)
			_, _ = rand.Read(k)
			return []byte(hex.EncodeToString(k))
		})
		if err != nil {
			return nil, err
		}
		if key, err = secretbox.ParseKey(string(key)); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(a.Config.DataDir, "secret-key"), err)
		}
	}
	return secretbox.New(key)
}

// devSecret reads a development secret from the data folder, creating it
// with generate on first use. O_EXCL makes replicas that start together agree:
// the first writer wins and the others read its value.
func (a *App) devSecret(name string, generate func() []byte) ([]byte, error) {
	if a.Config.Production() {
		return nil, fmt.Errorf("production needs %s configured in the environment", name)
	}
	path := filepath.Join(a.Config.DataDir, name)
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		return b, nil
	}
	if err := os.MkdirAll(a.Config.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		for range 50 {
			if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
				return b, nil
			}
			time.Sleep(20 * time.Millisecond)
		}
		return nil, fmt.Errorf("read %s: still empty", path)
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	value := generate()
	if _, err := f.Write(value); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return value, nil
}

// Build assembles the services, River, the hub and the HTTP handler. clk
// is the time the pipeline and the workers' checks decide by:
// clock.System, except in tests that fix it (and then work the jobs
// scheduled from it themselves, StartHub).
func (a *App) Build(ctx context.Context, clk clock.Clock) error {
	a.Hub = realtime.New(a.DB, realtime.Config{}, a.Log)
	workers := river.NewWorkers()
	riverClient, err := river.NewClient(riverdatabasesql.NewWithPgxListener(a.DB.SQL, a.DB.Pool), &river.Config{
		Logger:  a.Log,
		Workers: workers,
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 50},
			jobs.QueueMessages: {MaxWorkers: 50},
			jobs.QueueDelivery: {MaxWorkers: 50},
			// Each fetch holds a file of up to media.MaxSize in memory.
			jobs.QueueMedia: {MaxWorkers: 4},
		},
		FetchCooldown: a.Config.JobFetchCooldown,
		// Inserts wake the workers through LISTEN; the poll only catches
		// what no notification announced, such as a job snoozed for a few
		// milliseconds while an earlier message of its conversation finishes.
		FetchPollInterval:    200 * time.Millisecond,
		RescueStuckJobsAfter: a.Config.JobRescueAfter,
	})
	if err != nil {
		return fmt.Errorf("river client: %w", err)
	}
	a.River = riverClient
	a.Conversations = conversation.NewService(a.DB.Bun, riverClient, a.Hub, a.Tokens)
	classifier, err := classify.New()
	if err != nil {
		return fmt.Errorf("load classifier: %w", err)
	}
	a.Pipeline = pipeline.New(a.DB.Bun, classifier, riverClient, a.Hub, clk, a.Log)
	if a.Config.LLMBaseURL != "" {
		model, err := llm.New(llm.Config{BaseURL: a.Config.LLMBaseURL, Model: a.Config.LLMModel, APIKey: a.Config.LLMAPIKey, Timeout: a.Config.LLMTimeout})
		if err != nil {
			return fmt.Errorf("language model: %w", err)
		}
		a.Pipeline.SetLLM(model)
	}
	if a.Config.EagerFallback > 0 {
		a.Eager = eager.New(a.Pipeline, riverClient, eager.Config{FallbackAfter: a.Config.EagerFallback}, a.Log)
		a.Conversations.SetEager(a.Eager)
	}
	connections, err := channel.NewConnections(a.DB.Bun, a.Secrets, a.Config.BaseURL())
	if err != nil {
		return err
	}
	a.Connections = connections
	// Replies go to a handful of hosts at a high rate: keep enough idle
	// connections per host that every send does not dial anew (the
	// default keeps 2).
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	platformHTTP := &http.Client{Timeout: 30 * time.Second, Transport: transport}
	tg := &telegram.Client{BaseURL: a.Config.TelegramAPIURL, HTTP: platformHTTP}
	connections.SetTelegram(tg)
	a.Delivery, err = delivery.New(delivery.Config{
		DB: a.DB.Bun, Connections: connections, Notifier: a.Hub, Jobs: riverClient, Logger: a.Log,
		Telegram:    tg,
		Meta:        &meta.Client{BaseURL: a.Config.MetaGraphURL, HTTP: platformHTTP},
		SendTimeout: a.Config.DeliverySendTimeout, ClaimTimeout: a.Config.DeliveryClaimTimeout,
	})
	if err != nil {
		return err
	}
	if a.Eager != nil {
		// A turn's replies go out from the process that committed them,
		// in order; their River jobs are the fallback.
		a.Eager.SetDeliver(func(ctx context.Context, args jobs.DeliverMessageArgs) error {
			return a.Delivery.Deliver(ctx, args, delivery.Attempt{})
		})
		a.Pipeline.SetDeliveries(a.Eager)
	}
	metaClient := &meta.Client{BaseURL: a.Config.MetaGraphURL, HTTP: platformHTTP}
	a.Media, err = media.New(media.Config{
		DB: a.DB.Bun, Connections: connections, Meta: metaClient, Telegram: tg,
		PublicURL: a.Config.BaseURL(), Notifier: a.Hub, Logger: a.Log,
	})
	if err != nil {
		return err
	}
	if err := worker.Register(workers, worker.Services{Conversations: a.Conversations, Pipeline: a.Pipeline, Delivery: a.Delivery, Media: a.Media, Logger: a.Log}); err != nil {
		return err
	}
	a.Endpoint = graph.NewEndpoint(&graph.Resolver{
		OrgSvc: a.Organizations, ChannelSvc: channel.NewService(a.DB.Bun), Connections: connections, ConvSvc: a.Conversations, Hub: a.Hub, Pipeline: a.Pipeline,
		LeadSvc:      lead.NewService(a.DB.Bun),
		Media:        a.Media,
		Templates:    channel.NewTemplates(a.DB.Bun, connections, metaClient),
		MetricsSvc:   metrics.NewService(a.DB.Bun),
		EventLoaders: graph.NewEventLoaders(ctx, a.DB.Bun),
	}, a.DB.Bun, a.Organizations, graph.Options{
		Production: a.Config.Production(), AllowedOrigins: a.Config.AllowedOrigins,
		MaxBodyBytes: a.Config.MaxBodyBytes, MaxDepth: a.Config.MaxDepth, MaxComplexity: a.Config.MaxComplexity,
		MaxTokens: a.Config.MaxTokens, RequestTimeout: a.Config.RequestTimeout,
		RateLimit: a.Config.RateLimit, RateBurst: a.Config.RateBurst, Workers: a.Config.Workers,
		InitTimeout: a.Config.WSInitTimeout, RevalidateInterval: a.Config.WSRevalidateInterval,
		RevalidateGrace: a.Config.WSRevalidateGrace, MaxSocketsPerUser: a.Config.WSMaxPerUser, TrustedProxies: a.Config.TrustedProxies,
		Logger: a.Log,
	})
	mux := http.NewServeMux()
	var gql http.Handler = a.Endpoint
	if !a.Config.Production() {
		// Browsers get GraphiQL at /graphql; production never serves it.
		gql = graphiql.Page(gql)
		mux.Handle("GET "+graphiql.AssetPath, graphiql.Assets())
	}
	mux.Handle("/graphql", gql)
	mux.Handle("/webhooks/", intake.New(a.DB.Bun, connections, a.Conversations, a.Delivery, a.Log))
	mux.Handle("GET /media/", a.Media.Handler(a.Organizations))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", a.ready)
	a.Handler = logging.Middleware(a.Log, mux)
	return nil
}

func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.Pool.Ping(ctx); err != nil {
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	if n, err := database.Pending(ctx, a.DB); err != nil || n > 0 {
		http.Error(w, "migrations pending", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Start starts the hub and River's workers.
func (a *App) Start(ctx context.Context) error {
	if err := a.StartHub(ctx); err != nil {
		return err
	}
	if err := a.River.Start(ctx); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	return nil
}

// StartHub starts the realtime hub alone. River's workers and its
// maintenance (which makes scheduled jobs available) stay off: jobs are
// inserted and wait in river_job for whoever works them. Tests that fix
// the clock start the app this way and work its jobs themselves, since
// River would run them by the wall clock.
func (a *App) StartHub(ctx context.Context) error {
	if err := a.Hub.Start(ctx); err != nil {
		return fmt.Errorf("start realtime hub: %w", err)
	}
	return nil
}

// Serve listens on the configured address until ctx is cancelled, then
// shuts down gracefully: stop accepting, close WebSockets, finish requests,
// stop River with a soft timeout, stop the hub.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	_ = a.Endpoint.WS.Shutdown(sctx)
	if err := srv.Shutdown(sctx); err != nil {
		a.Log.Warn("http shutdown", slog.String("error", err.Error()))
	}
	a.StopWork(sctx)
	return nil
}

// StopWork stops the background work: eager runs and River's workers get
// the first half of ctx's time to finish, then are cancelled (their jobs
// run again later); then the hub stops.
func (a *App) StopWork(ctx context.Context) {
	soft := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		soft, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(deadline)/2))
		defer cancel()
	}
	if a.Eager != nil {
		a.Eager.Stop(soft)
	}
	if err := a.River.Stop(soft); err != nil {
		_ = a.River.StopAndCancel(ctx)
	}
	a.Hub.Stop()
}

// Close releases the database and stops a private cluster this process started.
func (a *App) Close() {
	if a.DB != nil {
		a.DB.Close()
	}
	if a.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := a.cluster.Stop(ctx); err != nil {
			a.Log.Warn("stop private PostgreSQL", slog.String("error", err.Error()))
		}
	}
}
