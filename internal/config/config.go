// Package config reads Frontdesk's settings from the environment once, into
// a validated struct. No other package reads environment variables.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environments Frontdesk knows.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Config is every setting the server reads at start-up. The env tag of each
// field names its variable; Load fills defaults first.
type Config struct {
	// Env is development or production (FRONTDESK_ENV). Production refuses
	// weak secrets, turns off introspection and never starts a private
	// PostgreSQL.
	Env string
	// Addr is the listen address (FRONTDESK_ADDR).
	Addr string
	// PublicURL is how clients reach the server, used in printed URLs
	// (FRONTDESK_PUBLIC_URL); derived from Addr when empty.
	PublicURL string
	// DatabaseURL is the PostgreSQL connection string (DATABASE_URL). The
	// database is created when missing.
	DatabaseURL string
	// EmbeddedPostgres allows development to start a private cluster under
	// DataDir when DATABASE_URL's server is unreachable
	// (FRONTDESK_EMBEDDED_POSTGRES, default true; ignored in production).
	EmbeddedPostgres bool
	// DataDir holds local state: the private cluster and the development
	// JWT secret (FRONTDESK_DATA_DIR).
	DataDir string

	// JWTSecret signs HS256 tokens (FRONTDESK_JWT_SECRET, at least 32 bytes).
	JWTSecret string
	// JWTKeyFile is a PEM private key (Ed25519 or RSA) used instead of the
	// secret (FRONTDESK_JWT_KEY_FILE).
	JWTKeyFile string
	// JWTIssuer and JWTAudience are written into and required of every token.
	JWTIssuer   string
	JWTAudience string
	// TokenTTL is the lifetime of user tokens (FRONTDESK_TOKEN_TTL).
	TokenTTL time.Duration
	// VisitorTokenTTL is the lifetime of web chat visitor tokens
	// (FRONTDESK_VISITOR_TOKEN_TTL).
	VisitorTokenTTL time.Duration

	// PasswordCost is the bcrypt cost of new password hashes
	// (FRONTDESK_PASSWORD_COST, 4 to 31).
	PasswordCost int

	// SecretKey encrypts channel credentials at rest (FRONTDESK_SECRET_KEY,
	// 32 bytes as hex or base64). Development derives one under DataDir.
	SecretKey string

	// LogLevel is debug, info, warn or error (FRONTDESK_LOG_LEVEL).
	LogLevel slog.Level
	// AllowedOrigins are host patterns allowed to open WebSockets and make
	// cross-origin requests (FRONTDESK_ALLOWED_ORIGINS, comma separated,
	// "*" for any).
	AllowedOrigins []string

	// RequestTimeout bounds one HTTP GraphQL request (FRONTDESK_REQUEST_TIMEOUT).
	RequestTimeout time.Duration
	// MaxBodyBytes caps a request body (FRONTDESK_MAX_BODY_BYTES).
	MaxBodyBytes int64
	// MaxDepth and MaxComplexity bound a query (FRONTDESK_MAX_QUERY_DEPTH,
	// FRONTDESK_MAX_QUERY_COMPLEXITY).
	MaxDepth      int
	MaxComplexity int
	// MaxTokens caps the parser's token count (FRONTDESK_MAX_QUERY_TOKENS).
	MaxTokens int
	// RateLimit is requests per second allowed per token or client address,
	// with RateBurst as the bucket size (FRONTDESK_RATE_LIMIT, FRONTDESK_RATE_BURST).
	RateLimit float64
	RateBurst int
	// Workers caps GraphQL requests executing at once (FRONTDESK_WORKERS).
	Workers int

	// WSInitTimeout is how long a WebSocket may wait before connection_init
	// (FRONTDESK_WS_INIT_TIMEOUT).
	WSInitTimeout time.Duration
	// WSRevalidateInterval is how often an open WebSocket re-checks that its
	// user is still active (FRONTDESK_WS_REVALIDATE_INTERVAL).
	WSRevalidateInterval time.Duration
	// WSRevalidateGrace is how long an open WebSocket stays open while its
	// re-check cannot reach the database; then it closes with 1013
	// (FRONTDESK_WS_REVALIDATE_GRACE).
	WSRevalidateGrace time.Duration
	// WSMaxPerUser caps the WebSockets one user (or, for anonymous ones,
	// one client address) may hold open at once (FRONTDESK_WS_MAX_PER_USER).
	WSMaxPerUser int

	// TrustedProxies are the addresses (single IPs or CIDR prefixes) of
	// reverse proxies whose X-Forwarded-For header names the real client
	// (FRONTDESK_TRUSTED_PROXIES, comma separated). A request from any other
	// peer is keyed by its own address, whatever the header says.
	TrustedProxies []netip.Prefix

	// LLMBaseURL turns on the optional language model: any OpenAI-compatible
	// chat-completions endpoint (FRONTDESK_LLM_BASE_URL, e.g.
	// https://api.openai.com/v1), with LLMModel (FRONTDESK_LLM_MODEL),
	// LLMAPIKey (FRONTDESK_LLM_API_KEY) and LLMTimeout, the most one message
	// may spend on it (FRONTDESK_LLM_TIMEOUT).
	LLMBaseURL string
	LLMModel   string
	LLMAPIKey  string
	LLMTimeout time.Duration

	// JobFetchCooldown is River's minimum time between fetches
	// (FRONTDESK_JOB_FETCH_COOLDOWN); a few ms keeps job pickup fast.
	JobFetchCooldown time.Duration
	// JobRescueAfter is when River rescues a job whose worker died
	// (FRONTDESK_JOB_RESCUE_AFTER, at least River's job timeout of one
	// minute). A job with a longer timeout of its own (delivery: the send
	// timeout + 30 s) is rescued only after that.
	JobRescueAfter time.Duration
	// EagerFallback (FRONTDESK_EAGER_FALLBACK): an accepted message is
	// processed at once by the process that accepted it, and its River job
	// is scheduled this far ahead as the fallback should that process die
	// first. 0 leaves every message to River's workers.
	EagerFallback time.Duration
	// ShutdownTimeout bounds graceful shutdown (FRONTDESK_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration

	// DeliverySendTimeout bounds one send of an outbound message to its
	// platform, all parts of a split text included
	// (FRONTDESK_DELIVERY_SEND_TIMEOUT).
	DeliverySendTimeout time.Duration
	// DeliveryClaimTimeout is how old a delivery's claim must be before
	// another run takes the message over, its own run having died mid-send
	// (FRONTDESK_DELIVERY_CLAIM_TIMEOUT). It must exceed DeliverySendTimeout,
	// so that a send still in progress is never taken over and repeated.
	// A message whose process died mid-send goes out again no sooner than
	// this: it may then reach the customer twice (package delivery).
	DeliveryClaimTimeout time.Duration

	// MetaGraphURL is the Graph API host that WhatsApp, Messenger and
	// Instagram messages are sent through (FRONTDESK_META_GRAPH_URL).
	MetaGraphURL string
	// TelegramAPIURL is the Bot API server (FRONTDESK_TELEGRAM_API_URL),
	// e.g. a local Bot API server.
	TelegramAPIURL string
}

// Default returns the development defaults.
func Default() Config {
	return Config{
		Env:                  EnvDevelopment,
		Addr:                 ":8080",
		DatabaseURL:          "postgres://postgres@127.0.0.1:5432/frontdesk?sslmode=disable",
		EmbeddedPostgres:     true,
		DataDir:              ".frontdesk",
		JWTIssuer:            "frontdesk",
		JWTAudience:          "frontdesk",
		TokenTTL:             24 * time.Hour,
		PasswordCost:         10,
		VisitorTokenTTL:      7 * 24 * time.Hour,
		LogLevel:             slog.LevelInfo,
		RequestTimeout:       15 * time.Second,
		MaxBodyBytes:         1 << 20,
		MaxDepth:             12,
		MaxComplexity:        5000,
		MaxTokens:            5000,
		RateLimit:            50,
		RateBurst:            100,
		Workers:              64,
		WSInitTimeout:        10 * time.Second,
		WSRevalidateInterval: 15 * time.Second,
		WSRevalidateGrace:    time.Minute,
		WSMaxPerUser:         20,
		LLMTimeout:           3 * time.Second,
		JobFetchCooldown:     2 * time.Millisecond,
		JobRescueAfter:       time.Hour,
		EagerFallback:        10 * time.Second,
		ShutdownTimeout:      20 * time.Second,
		// delivery.DefaultSendTimeout and DefaultClaimTimeout (config stays
		// a leaf package; its test checks they agree).
		DeliverySendTimeout:  2 * time.Minute,
		DeliveryClaimTimeout: 5 * time.Minute,
		MetaGraphURL:         "https://graph.facebook.com",
		TelegramAPIURL:       "https://api.telegram.org",
	}
}

// BaseURL is the deployment's public base URL: FRONTDESK_PUBLIC_URL, or
// http://<listen address> with a wildcard host shown as localhost.
// Webhook URLs given to platforms are built on it.
func (c Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "http://" + c.Addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Load reads the process environment.
func Load() (Config, error) { return LoadFrom(os.LookupEnv) }

// LoadFrom reads settings through lookup (os.LookupEnv in production, a map
// in tests) and validates them.
func LoadFrom(lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	r := reader{lookup: lookup}
	r.str("FRONTDESK_ENV", &c.Env)
	r.str("FRONTDESK_ADDR", &c.Addr)
	r.str("FRONTDESK_PUBLIC_URL", &c.PublicURL)
	r.str("DATABASE_URL", &c.DatabaseURL)
	r.boolean("FRONTDESK_EMBEDDED_POSTGRES", &c.EmbeddedPostgres)
	r.str("FRONTDESK_DATA_DIR", &c.DataDir)
	r.str("FRONTDESK_JWT_SECRET", &c.JWTSecret)
	r.str("FRONTDESK_JWT_KEY_FILE", &c.JWTKeyFile)
	r.str("FRONTDESK_JWT_ISSUER", &c.JWTIssuer)
	r.str("FRONTDESK_JWT_AUDIENCE", &c.JWTAudience)
	r.duration("FRONTDESK_TOKEN_TTL", &c.TokenTTL)
	r.duration("FRONTDESK_VISITOR_TOKEN_TTL", &c.VisitorTokenTTL)
	r.str("FRONTDESK_SECRET_KEY", &c.SecretKey)
	r.integer("FRONTDESK_PASSWORD_COST", &c.PasswordCost)
	if v, ok := lookup("FRONTDESK_LOG_LEVEL"); ok && v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			r.errs = append(r.errs, fmt.Errorf("FRONTDESK_LOG_LEVEL: want debug, info, warn or error, got %q", v))
		}
	}
	if v, ok := lookup("FRONTDESK_ALLOWED_ORIGINS"); ok && v != "" {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.AllowedOrigins = append(c.AllowedOrigins, o)
			}
		}
	}
	r.duration("FRONTDESK_REQUEST_TIMEOUT", &c.RequestTimeout)
	r.int64("FRONTDESK_MAX_BODY_BYTES", &c.MaxBodyBytes)
	r.integer("FRONTDESK_MAX_QUERY_DEPTH", &c.MaxDepth)
	r.integer("FRONTDESK_MAX_QUERY_COMPLEXITY", &c.MaxComplexity)
	r.integer("FRONTDESK_MAX_QUERY_TOKENS", &c.MaxTokens)
	r.float("FRONTDESK_RATE_LIMIT", &c.RateLimit)
	r.integer("FRONTDESK_RATE_BURST", &c.RateBurst)
	r.integer("FRONTDESK_WORKERS", &c.Workers)
	r.duration("FRONTDESK_WS_INIT_TIMEOUT", &c.WSInitTimeout)
	r.duration("FRONTDESK_WS_REVALIDATE_INTERVAL", &c.WSRevalidateInterval)
	r.duration("FRONTDESK_WS_REVALIDATE_GRACE", &c.WSRevalidateGrace)
	r.integer("FRONTDESK_WS_MAX_PER_USER", &c.WSMaxPerUser)
	if v, ok := r.get("FRONTDESK_TRUSTED_PROXIES"); ok {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			p, err := parsePrefix(item)
			if err != nil {
				r.errs = append(r.errs, fmt.Errorf("FRONTDESK_TRUSTED_PROXIES: want IP addresses or CIDR prefixes like 10.0.0.0/8, got %q", item))
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	r.str("FRONTDESK_LLM_BASE_URL", &c.LLMBaseURL)
	r.str("FRONTDESK_LLM_MODEL", &c.LLMModel)
	r.str("FRONTDESK_LLM_API_KEY", &c.LLMAPIKey)
	r.duration("FRONTDESK_LLM_TIMEOUT", &c.LLMTimeout)
	r.duration("FRONTDESK_JOB_FETCH_COOLDOWN", &c.JobFetchCooldown)
	r.duration("FRONTDESK_JOB_RESCUE_AFTER", &c.JobRescueAfter)
	r.duration("FRONTDESK_EAGER_FALLBACK", &c.EagerFallback)
	r.duration("FRONTDESK_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	r.duration("FRONTDESK_DELIVERY_SEND_TIMEOUT", &c.DeliverySendTimeout)
	r.duration("FRONTDESK_DELIVERY_CLAIM_TIMEOUT", &c.DeliveryClaimTimeout)
	r.str("FRONTDESK_META_GRAPH_URL", &c.MetaGraphURL)
	r.str("FRONTDESK_TELEGRAM_API_URL", &c.TelegramAPIURL)
	if err := errors.Join(r.errs...); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// minJobRescueAfter is River's default job timeout (river.JobTimeoutDefault):
// River refuses a RescueStuckJobsAfter below the client's job timeout, and
// the app does not set one.
const minJobRescueAfter = time.Minute

// Production reports whether the server runs in production mode.
func (c Config) Production() bool { return c.Env == EnvProduction }

// Validate checks the settings and says which variable to fix.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Env != EnvDevelopment && c.Env != EnvProduction {
		add("FRONTDESK_ENV: want %q or %q, got %q", EnvDevelopment, EnvProduction, c.Env)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("FRONTDESK_PUBLIC_URL: want an absolute http(s) URL like https://frontdesk.example.com")
		}
	}
	if c.Addr == "" {
		add("FRONTDESK_ADDR: must not be empty")
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || strings.TrimPrefix(u.Path, "/") == "" {
		add("DATABASE_URL: want postgres://user@host:port/database, got %q", c.DatabaseURL)
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		add("FRONTDESK_JWT_SECRET: must be at least 32 bytes")
	}
	if c.Production() {
		if c.JWTSecret == "" && c.JWTKeyFile == "" {
			add("production needs a signing key: set FRONTDESK_JWT_SECRET (32+ random bytes) or FRONTDESK_JWT_KEY_FILE (PEM Ed25519 or RSA key)")
		}
		if c.SecretKey == "" {
			add("production needs FRONTDESK_SECRET_KEY (32 random bytes, hex or base64) to encrypt channel credentials")
		}
	}
	if c.TokenTTL <= 0 || c.VisitorTokenTTL <= 0 {
		add("FRONTDESK_TOKEN_TTL and FRONTDESK_VISITOR_TOKEN_TTL must be positive")
	}
	if c.PasswordCost < 4 || c.PasswordCost > 31 {
		add("FRONTDESK_PASSWORD_COST: must be between 4 and 31")
	}
	if c.MaxBodyBytes < 1024 {
		add("FRONTDESK_MAX_BODY_BYTES: must be at least 1024")
	}
	if c.MaxDepth < 2 || c.MaxComplexity < 10 || c.MaxTokens < 100 {
		add("query limits too low: FRONTDESK_MAX_QUERY_DEPTH >= 2, FRONTDESK_MAX_QUERY_COMPLEXITY >= 10, FRONTDESK_MAX_QUERY_TOKENS >= 100")
	}
	if c.RateLimit <= 0 || c.RateBurst < 1 {
		add("FRONTDESK_RATE_LIMIT must be positive and FRONTDESK_RATE_BURST at least 1")
	}
	if c.Workers < 1 {
		add("FRONTDESK_WORKERS: must be at least 1")
	}
	if c.WSInitTimeout <= 0 || c.WSRevalidateInterval <= 0 || c.WSRevalidateGrace <= 0 {
		add("FRONTDESK_WS_INIT_TIMEOUT, FRONTDESK_WS_REVALIDATE_INTERVAL and FRONTDESK_WS_REVALIDATE_GRACE must be positive")
	}
	if c.WSMaxPerUser < 1 {
		add("FRONTDESK_WS_MAX_PER_USER: must be at least 1")
	}
	if c.LLMBaseURL != "" {
		if u, err := url.Parse(c.LLMBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("FRONTDESK_LLM_BASE_URL: want an absolute http(s) URL like https://api.openai.com/v1")
		}
		if c.LLMModel == "" {
			add("FRONTDESK_LLM_MODEL: set the model name when FRONTDESK_LLM_BASE_URL is set")
		}
		if c.LLMTimeout <= 0 {
			add("FRONTDESK_LLM_TIMEOUT: must be positive")
		}
	}
	if c.JobFetchCooldown < time.Millisecond {
		add("FRONTDESK_JOB_FETCH_COOLDOWN: must be at least 1ms")
	}
	if c.JobRescueAfter < minJobRescueAfter {
		add("FRONTDESK_JOB_RESCUE_AFTER: must be at least %s (River refuses a rescue time below its job timeout), got %s", minJobRescueAfter, c.JobRescueAfter)
	}
	if c.EagerFallback < 0 || (c.EagerFallback > 0 && c.EagerFallback < time.Second) {
		add("FRONTDESK_EAGER_FALLBACK: 0 (off) or at least 1s")
	}
	switch {
	case c.DeliverySendTimeout <= 0 || c.DeliveryClaimTimeout <= 0:
		add("FRONTDESK_DELIVERY_SEND_TIMEOUT and FRONTDESK_DELIVERY_CLAIM_TIMEOUT must be positive")
	case c.DeliveryClaimTimeout <= c.DeliverySendTimeout:
		add("FRONTDESK_DELIVERY_CLAIM_TIMEOUT (%s) must exceed FRONTDESK_DELIVERY_SEND_TIMEOUT (%s): a claim that expires while its send may still run lets a second run send the message again",
			c.DeliveryClaimTimeout, c.DeliverySendTimeout)
	}
	for _, v := range []struct{ name, value string }{{"FRONTDESK_META_GRAPH_URL", c.MetaGraphURL}, {"FRONTDESK_TELEGRAM_API_URL", c.TelegramAPIURL}} {
		if u, err := url.Parse(v.value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("%s: want an absolute http(s) URL, got %q", v.name, v.value)
		}
	}
	return errors.Join(errs...)
}

// parsePrefix reads an IP address (a prefix of its full length) or a CIDR
// prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// reader collects parse errors so the user sees every bad variable at once.
type reader struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (r *reader) get(key string) (string, bool) {
	v, ok := r.lookup(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (r *reader) str(key string, dst *string) {
	if v, ok := r.get(key); ok {
		*dst = v
	}
}

func (r *reader) boolean(key string, dst *bool) {
	if v, ok := r.get(key); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: want true or false, got %q", key, v))
			return
		}
		*dst = b
	}
}

func (r *reader) duration(key string, dst *time.Duration) {
	if v, ok := r.get(key); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: want a duration like 10s or 5m, got %q", key, v))
			return
		}
		*dst = d
	}
}

func (r *reader) integer(key string, dst *int) {
	if v, ok := r.get(key); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: want a whole number, got %q", key, v))
			return
		}
		*dst = n
	}
}

func (r *reader) int64(key string, dst *int64) {
	if v, ok := r.get(key); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: want a whole number, got %q", key, v))
			return
		}
		*dst = n
	}
}

func (r *reader) float(key string, dst *float64) {
	if v, ok := r.get(key); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s: want a number, got %q", key, v))
			return
		}
		*dst = f
	}
}
