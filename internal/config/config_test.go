package config_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"frontdesk/internal/config"
	"frontdesk/internal/delivery"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c config.Config)
	}{
		{name: "defaults", env: nil, check: func(t *testing.T, c config.Config) {
			require.Equal(t, ":8080", c.Addr)
			require.Equal(t, "postgres://postgres@127.0.0.1:5432/frontdesk?sslmode=disable", c.DatabaseURL)
			require.False(t, c.Production())
		}},
		{name: "overrides", env: map[string]string{
			"FRONTDESK_ADDR": "127.0.0.1:9000", "FRONTDESK_LOG_LEVEL": "debug", "FRONTDESK_ALLOWED_ORIGINS": "a.example, b.example",
			"FRONTDESK_REQUEST_TIMEOUT": "3s", "FRONTDESK_EMBEDDED_POSTGRES": "false",
		}, check: func(t *testing.T, c config.Config) {
			require.Equal(t, "127.0.0.1:9000", c.Addr)
			require.Equal(t, []string{"a.example", "b.example"}, c.AllowedOrigins)
			require.Equal(t, 3*time.Second, c.RequestTimeout)
			require.False(t, c.EmbeddedPostgres)
		}},
		{name: "production needs secrets", env: map[string]string{"FRONTDESK_ENV": "production"}, wantErr: "FRONTDESK_JWT_SECRET"},
		{name: "production with secrets", env: map[string]string{"FRONTDESK_ENV": "production", "FRONTDESK_JWT_SECRET": "0123456789abcdef0123456789abcdef", "FRONTDESK_SECRET_KEY": "k"}},
		{name: "short secret", env: map[string]string{"FRONTDESK_JWT_SECRET": "short"}, wantErr: "at least 32 bytes"},
		{name: "bad env", env: map[string]string{"FRONTDESK_ENV": "staging"}, wantErr: "FRONTDESK_ENV"},
		{name: "bad duration", env: map[string]string{"FRONTDESK_TOKEN_TTL": "soon"}, wantErr: "FRONTDESK_TOKEN_TTL"},
		{name: "bad number", env: map[string]string{"FRONTDESK_WORKERS": "many"}, wantErr: "FRONTDESK_WORKERS"},
		{name: "bad level", env: map[string]string{"FRONTDESK_LOG_LEVEL": "loud"}, wantErr: "FRONTDESK_LOG_LEVEL"},
		{name: "bad database url", env: map[string]string{"DATABASE_URL": "mysql://x/y"}, wantErr: "DATABASE_URL"},
		{name: "platform urls", env: nil, check: func(t *testing.T, c config.Config) {
			require.Equal(t, "https://graph.facebook.com", c.MetaGraphURL)
			require.Equal(t, "https://api.telegram.org", c.TelegramAPIURL)
		}},
		{name: "platform urls set", env: map[string]string{"FRONTDESK_META_GRAPH_URL": "http://127.0.0.1:9001", "FRONTDESK_TELEGRAM_API_URL": "http://127.0.0.1:9002"},
			check: func(t *testing.T, c config.Config) {
				require.Equal(t, "http://127.0.0.1:9001", c.MetaGraphURL)
				require.Equal(t, "http://127.0.0.1:9002", c.TelegramAPIURL)
			}},
		{name: "bad telegram url", env: map[string]string{"FRONTDESK_TELEGRAM_API_URL": "api.telegram.org"}, wantErr: "FRONTDESK_TELEGRAM_API_URL"},
		{name: "bad meta url", env: map[string]string{"FRONTDESK_META_GRAPH_URL": "ftp://graph"}, wantErr: "FRONTDESK_META_GRAPH_URL"},
		{name: "delivery timeouts default to the outbox's", env: nil, check: func(t *testing.T, c config.Config) {
			require.Equal(t, delivery.DefaultSendTimeout, c.DeliverySendTimeout)
			require.Equal(t, delivery.DefaultClaimTimeout, c.DeliveryClaimTimeout)
		}},
		{name: "delivery timeouts set", env: map[string]string{"FRONTDESK_DELIVERY_SEND_TIMEOUT": "3s", "FRONTDESK_DELIVERY_CLAIM_TIMEOUT": "6s"},
			check: func(t *testing.T, c config.Config) {
				require.Equal(t, 3*time.Second, c.DeliverySendTimeout)
				require.Equal(t, 6*time.Second, c.DeliveryClaimTimeout)
			}},
		{name: "claim timeout not above send timeout", env: map[string]string{"FRONTDESK_DELIVERY_SEND_TIMEOUT": "6m"},
			wantErr: "FRONTDESK_DELIVERY_CLAIM_TIMEOUT (5m0s) must exceed FRONTDESK_DELIVERY_SEND_TIMEOUT (6m0s)"},
		{name: "claim timeout equal to send timeout", env: map[string]string{"FRONTDESK_DELIVERY_SEND_TIMEOUT": "5s", "FRONTDESK_DELIVERY_CLAIM_TIMEOUT": "5s"},
			wantErr: "must exceed FRONTDESK_DELIVERY_SEND_TIMEOUT"},
		{name: "zero send timeout", env: map[string]string{"FRONTDESK_DELIVERY_SEND_TIMEOUT": "0s"}, wantErr: "must be positive"},
		{name: "bad claim timeout", env: map[string]string{"FRONTDESK_DELIVERY_CLAIM_TIMEOUT": "later"}, wantErr: "FRONTDESK_DELIVERY_CLAIM_TIMEOUT"},
		{name: "rescue below river's job timeout", env: map[string]string{"FRONTDESK_JOB_RESCUE_AFTER": "10s"}, wantErr: "FRONTDESK_JOB_RESCUE_AFTER: must be at least 1m0s"},
		{name: "rescue after a minute", env: map[string]string{"FRONTDESK_JOB_RESCUE_AFTER": "1m"}, check: func(t *testing.T, c config.Config) {
			require.Equal(t, time.Minute, c.JobRescueAfter)
		}},
		{name: "trusted proxies", env: map[string]string{"FRONTDESK_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1,::1"},
			check: func(t *testing.T, c config.Config) {
				require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}, c.TrustedProxies)
				require.Equal(t, 20, c.WSMaxPerUser)
			}},
		{name: "bad trusted proxy", env: map[string]string{"FRONTDESK_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, wantErr: `FRONTDESK_TRUSTED_PROXIES: want IP addresses or CIDR prefixes like 10.0.0.0/8, got "proxy.local"`},
		{name: "socket cap", env: map[string]string{"FRONTDESK_WS_MAX_PER_USER": "0"}, wantErr: "FRONTDESK_WS_MAX_PER_USER: must be at least 1"},
		{name: "database url without name", env: map[string]string{"DATABASE_URL": "postgres://127.0.0.1:5432"}, wantErr: "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.LoadFrom(lookup(tt.env))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}
