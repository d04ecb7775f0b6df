package auth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"frontdesk/internal/apperror"
	"frontdesk/internal/auth"
)

const secret = "0123456789abcdef0123456789abcdef"

func newTokens(t *testing.T, mod func(*auth.TokenConfig)) *auth.Tokens {
	t.Helper()
	cfg := auth.TokenConfig{Secret: []byte(secret), Issuer: "frontdesk", Audience: "frontdesk", TTL: time.Hour, VisitorTTL: time.Hour}
	if mod != nil {
		mod(&cfg)
	}
	tok, err := auth.NewTokens(cfg)
	require.NoError(t, err)
	return tok
}

func TestTokensRoundTrip(t *testing.T) {
	t.Parallel()
	tok := newTokens(t, nil)
	user, org, conv := uuid.New(), uuid.New(), uuid.New()
	s, exp, err := tok.IssueUser(user, org, auth.RoleAgent)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Hour), exp, 5*time.Second)
	c, err := tok.Parse(s)
	require.NoError(t, err)
	require.Equal(t, user.String(), c.Subject)
	require.Equal(t, org.String(), c.Org)
	require.Equal(t, auth.RoleAgent, c.Role)

	s, _, err = tok.IssueVisitor(user, org, conv)
	require.NoError(t, err)
	c, err = tok.Parse(s)
	require.NoError(t, err)
	require.Equal(t, auth.RoleVisitor, c.Role)
	require.Equal(t, conv.String(), c.Conv)
}

func TestTokensRejected(t *testing.T) {
	t.Parallel()
	tok := newTokens(t, nil)
	user, org := uuid.New(), uuid.New()
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		require.NoError(t, err)
		return s
	}
	good := jwt.MapClaims{"iss": "frontdesk", "aud": "frontdesk", "sub": user.String(), "org": org.String(), "role": "AGENT",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	expired, _, err := tok.IssueWithTTL(user, org, auth.RoleAgent, -time.Hour)
	require.NoError(t, err)
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, good).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)

	tests := map[string]string{
		"empty":           "",
		"garbage":         "not.a.token",
		"expired":         expired,
		"alg none":        none,
		"other secret":    sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), good),
		"other algorithm": sign(jwt.SigningMethodEdDSA, edKey, good),
		"HS512":           sign(jwt.SigningMethodHS512, []byte(secret), good),
		"no exp":          sign(jwt.SigningMethodHS256, []byte(secret), with("exp", nil)),
		"wrong issuer":    sign(jwt.SigningMethodHS256, []byte(secret), with("iss", "evil")),
		"wrong audience":  sign(jwt.SigningMethodHS256, []byte(secret), with("aud", "other")),
		"bad subject":     sign(jwt.SigningMethodHS256, []byte(secret), with("sub", "admin")),
		"bad org":         sign(jwt.SigningMethodHS256, []byte(secret), with("org", "x")),
		"bad role":        sign(jwt.SigningMethodHS256, []byte(secret), with("role", "ROOT")),
		"visitor no conv": sign(jwt.SigningMethodHS256, []byte(secret), with("role", "VISITOR")),
		"too long":        strings.Repeat("a", auth.MaxTokenLength+1),
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := tok.Parse(s)
			require.ErrorIs(t, err, apperror.ErrUnauthenticated)
		})
	}
}

func TestTokensWithKeyFile(t *testing.T) {
	t.Parallel()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	tok := newTokens(t, func(c *auth.TokenConfig) { c.Secret, c.KeyFile = nil, path })
	s, _, err := tok.IssueUser(uuid.New(), uuid.New(), auth.RoleOwner)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(s, "eyJhbGciOiJFZERTQSI"), "EdDSA header")
	_, err = tok.Parse(s)
	require.NoError(t, err)
	// An HS256 token signed with the public key bytes (key confusion) fails.
	pub := key.Public().(ed25519.PublicKey)
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(pub))
	require.NoError(t, err)
	_, err = tok.Parse(forged)
	require.ErrorIs(t, err, apperror.ErrUnauthenticated)
}

func TestPassword(t *testing.T) {
	t.Parallel()
	pw, err := auth.NewPasswords(4)
	require.NoError(t, err)
	h, err := pw.Hash("correct horse")
	require.NoError(t, err)
	require.True(t, pw.Check(h, "correct horse"))
	require.False(t, pw.Check(h, "wrong horse"))
	require.False(t, pw.Check("", "anything"))
	_, err = auth.NewPasswords(99)
	require.Error(t, err)
}
