package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"frontdesk/internal/apperror"
)

// MaxTokenLength caps what the verifier will even parse.
const MaxTokenLength = 4096

// Claims are Frontdesk's JWT claims: sub is the user id (or the contact id
// for a visitor), org the organisation, conv the one conversation a visitor
// may touch.
type Claims struct {
	jwt.RegisteredClaims
	Org  string `json:"org"`
	Role Role   `json:"role"`
	Conv string `json:"conv,omitempty"`
}

// TokenConfig says how tokens are signed.
type TokenConfig struct {
	// Secret signs with HS256 (at least 32 bytes).
	Secret []byte
	// KeyFile is a PEM Ed25519 (EdDSA) or RSA (RS256) private key; it wins
	// over Secret.
	KeyFile    string
	Issuer     string
	Audience   string
	TTL        time.Duration
	VisitorTTL time.Duration
}

// Tokens issues and verifies access tokens with one pinned algorithm.
type Tokens struct {
	method     jwt.SigningMethod
	signKey    any
	verifyKey  any
	issuer     string
	audience   string
	ttl        time.Duration
	visitorTTL time.Duration
	parser     *jwt.Parser
	now        func() time.Time
}

// NewTokens builds a Tokens from cfg.
func NewTokens(cfg TokenConfig) (*Tokens, error) {
	t := &Tokens{issuer: cfg.Issuer, audience: cfg.Audience, ttl: cfg.TTL, visitorTTL: cfg.VisitorTTL, now: time.Now}
	switch {
	case cfg.KeyFile != "":
		raw, err := os.ReadFile(cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("read jwt key file: %w", err)
		}
		block, _ := pem.Decode(raw)
		if block == nil {
			return nil, errors.New("jwt key file: no PEM block")
		}
		key, err := parsePrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("jwt key file: %w", err)
		}
		switch k := key.(type) {
		case ed25519.PrivateKey:
			t.method, t.signKey, t.verifyKey = jwt.SigningMethodEdDSA, k, k.Public()
		case *rsa.PrivateKey:
			t.method, t.signKey, t.verifyKey = jwt.SigningMethodRS256, k, k.Public()
		default:
			return nil, fmt.Errorf("jwt key file: unsupported key type %T (want Ed25519 or RSA)", key)
		}
	case len(cfg.Secret) >= 32:
		t.method, t.signKey, t.verifyKey = jwt.SigningMethodHS256, cfg.Secret, cfg.Secret
	default:
		return nil, errors.New("jwt: need a secret of at least 32 bytes or a key file")
	}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{t.method.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(func() time.Time { return t.now() }),
	)
	return t, nil
}

func parsePrivateKey(der []byte) (crypto.PrivateKey, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a PKCS#8 or PKCS#1 private key")
}

// IssueUser returns a token for a user.
func (t *Tokens) IssueUser(userID, orgID uuid.UUID, role Role) (string, time.Time, error) {
	return t.issue(userID.String(), orgID, role, "", t.ttl)
}

// IssueVisitor returns a token that lets a web chat visitor use one
// conversation.
func (t *Tokens) IssueVisitor(contactID, orgID, conversationID uuid.UUID) (string, time.Time, error) {
	return t.issue(contactID.String(), orgID, RoleVisitor, conversationID.String(), t.visitorTTL)
}

// IssueWithTTL is IssueUser with an explicit lifetime (the token command, tests).
func (t *Tokens) IssueWithTTL(userID, orgID uuid.UUID, role Role, ttl time.Duration) (string, time.Time, error) {
	return t.issue(userID.String(), orgID, role, "", ttl)
}

func (t *Tokens) issue(sub string, orgID uuid.UUID, role Role, conv string, ttl time.Duration) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(ttl)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   sub,
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.NewString(),
		},
		Org:  orgID.String(),
		Role: role,
		Conv: conv,
	}
	s, err := jwt.NewWithClaims(t.method, claims).SignedString(t.signKey)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return s, exp, nil
}

// Parse verifies a token and returns its claims; every failure is an
// UNAUTHENTICATED error that says what was wrong without echoing the token.
func (t *Tokens) Parse(token string) (*Claims, error) {
	if len(token) > MaxTokenLength {
		return nil, apperror.New(apperror.Unauthenticated, "token too long")
	}
	var c Claims
	_, err := t.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.verifyKey, nil })
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, apperror.New(apperror.Unauthenticated, "token expired")
	case err != nil:
		return nil, apperror.New(apperror.Unauthenticated, "invalid token")
	}
	if _, err := uuid.Parse(c.Subject); err != nil {
		return nil, apperror.New(apperror.Unauthenticated, "invalid token subject")
	}
	if _, err := uuid.Parse(c.Org); err != nil {
		return nil, apperror.New(apperror.Unauthenticated, "invalid token organisation")
	}
	if c.Role == RoleVisitor {
		if _, err := uuid.Parse(c.Conv); err != nil {
			return nil, apperror.New(apperror.Unauthenticated, "invalid visitor token")
		}
	} else if !c.Role.Valid() {
		return nil, apperror.New(apperror.Unauthenticated, "invalid token role")
	}
	return &c, nil
}
