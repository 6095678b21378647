package mailcheck_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
)

// rsaKey is the base64 of an RSA public key of bits (built from two primes,
// since crypto/rsa refuses to make keys under 1024 bits).
func rsaKey(t *testing.T, bits int) string {
	t.Helper()
	p, err := rand.Prime(rand.Reader, bits/2)
	if err != nil {
		t.Fatal(err)
	}
	q, err := rand.Prime(rand.Reader, bits-bits/2)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// The DKIM keys at the selectors named and the providers' defaults, read
// from a real DNS server on loopback and judged by type, size and mode.
func TestReadDKIM(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	z := dnstest.New(t)
	z.Set(map[string][]dnstest.Record{
		"selector1._domainkey.m365.example": {dnstest.TXT("v=DKIM1; k=rsa; p=" + rsaKey(t, 2048))},
		"selector2._domainkey.m365.example": {dnstest.TXT("v=DKIM1; k=rsa; p=")},
		"google._domainkey.weak.example":    {dnstest.TXT("v=DKIM1; p=" + rsaKey(t, 1024))},
		"s1._domainkey.tiny.example":        {dnstest.TXT("k=rsa; p=" + rsaKey(t, 512))},
		"ed._domainkey.modern.example":      {dnstest.TXT("v=DKIM1; k=ed25519; t=y; p=" + base64.StdEncoding.EncodeToString(pub))},
		"s1._domainkey.garbled.example":     {dnstest.TXT("v=DKIM1; p=not base64!")},
	})
	ctx := context.Background()
	for domain, want := range map[string]struct {
		named          []string
		status, saying string
		keys           int
	}{
		"m365.example":    {nil, "pass", "a 2048-bit RSA key. (Microsoft 365's default selector)", 2},
		"weak.example":    {nil, "warn", "a 1024-bit RSA key: RFC 8301 section 3.2 asks signers for at least 2048 bits", 1},
		"tiny.example":    {[]string{"s1"}, "fail", "RFC 8301 section 3.2 forbids keys under 1024 bits", 1},
		"modern.example":  {[]string{"ed"}, "warn", "an Ed25519 key (RFC 8463). It is in test mode", 1},
		"garbled.example": {[]string{"S1"}, "fail", "p= is not base64", 1},
		"nothing.example": {[]string{"mail"}, "fail", "No DKIM key at the selectors tried (mail, selector1, selector2, google)", 0},
	} {
		r := &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
		got := mailcheck.ReadDKIM(ctx, r, domain, want.named)
		if got.Status != want.status || len(got.Keys) != want.keys || !strings.Contains(strings.Join(got.Findings, " "), want.saying) {
			t.Errorf("%s: %s, %d keys, %q; want %s, %d keys, saying %q", domain, got.Status, len(got.Keys), got.Findings, want.status, want.keys, want.saying)
		}
	}
	if p := mailcheck.Providers(); len(p) < 2 || p[0].URL == "" || p[0].Source == "" {
		t.Errorf("the providers' selectors, with their sources: %+v", p)
	}
}
