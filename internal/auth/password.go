package auth

import (
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Password length bounds: bcrypt reads at most 72 bytes.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 72
)

// Passwords hashes and checks passwords with bcrypt at a fixed cost.
type Passwords struct {
	cost  int
	dummy func() []byte
}

// NewPasswords returns a Passwords hashing at cost (bcrypt.MinCost to
// bcrypt.MaxCost; 0 means bcrypt.DefaultCost).
func NewPasswords(cost int) (*Passwords, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d out of range %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	p := &Passwords{cost: cost}
	p.dummy = sync.OnceValue(func() []byte {
		h, _ := bcrypt.GenerateFromPassword([]byte("frontdesk-dummy-password"), cost)
		return h
	})
	return p, nil
}

// Hash returns a bcrypt hash of password.
func (p *Passwords) Hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), p.cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// Check reports whether password matches hash. An empty hash (an unknown
// user, or one who never set a password) never matches, but costs the same
// time as a real check so that timing does not reveal which users exist.
func (p *Passwords) Check(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(p.dummy(), []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
