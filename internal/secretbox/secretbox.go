// Package secretbox encrypts secrets at rest (channel access tokens, app
// secrets) with AES-256-GCM under a key that lives in the environment, never
// in the database. Each ciphertext is bound to the row it belongs to
// through additional data, so sealed values cannot be swapped between rows.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the key length in bytes.
const KeySize = 32

// version prefixes every ciphertext so the format can change later.
const version byte = 1

// ErrDecrypt means a ciphertext was tampered with, bound to another row, or
// sealed under another key.
var ErrDecrypt = errors.New("secretbox: cannot decrypt")

// Box seals and opens values under one key.
type Box struct{ aead cipher.AEAD }

// ParseKey reads a 32-byte key written as hex or base64 (std or URL).
func ParseKey(s string) ([]byte, error) {
	for _, dec := range []func(string) ([]byte, error){
		hex.DecodeString, base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString,
	} {
		if k, err := dec(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("secretbox: key must be %d bytes, hex or base64 encoded", KeySize)
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to boundTo (e.g. the row's id).
func (b *Box) Seal(plaintext, boundTo []byte) []byte {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	_, _ = rand.Read(out[1:]) // crypto/rand never fails on supported platforms
	return b.aead.Seal(out, out[1:], plaintext, boundTo)
}

// Open decrypts a value made by Seal with the same boundTo.
func (b *Box) Open(sealed, boundTo []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrDecrypt
	}
	pt, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], boundTo)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}
