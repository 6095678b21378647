// Package sso signs members in with their organisation's OpenID Connect
// provider (coreos/go-oidc, golang.org/x/oauth2): the authorization code
// flow with PKCE, a nonce, and a one-time state kept in the database so that
// any server can finish a sign-in another started. The provider vouches for
// the email address; Safeguard admits it only if it is verified, in the
// organisation's domain when one is set, and a member of that organisation.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// StateTTL is how long a sign-in may spend at the provider.
const StateTTL = 10 * time.Minute

// Service runs SSO sign-ins.
type Service struct {
	store *store.Store
	vault *vault.Vault
	// CallbackURL is this server's /sso/callback as the provider reaches it
	// (registered with the provider as the redirect URI).
	CallbackURL string
	now         func() time.Time
}

// New returns the service.
func New(st *store.Store, v *vault.Vault, callbackURL string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, vault: v, CallbackURL: callbackURL, now: now}
}

func secretAAD(orgID string) []byte { return []byte("org_sso.client_secret|" + orgID) }

// ConfigStore is where an organisation's SSO settings are kept
// (store.Scoped implements it).
type ConfigStore interface {
	Org() *org.Organization
	SetSSO(ctx context.Context, c *store.SSOConfig) error
}

// Configure checks that the issuer answers OpenID Connect discovery and
// saves the organisation's set-up. Errors: Invalid with the reason.
func (s *Service) Configure(ctx context.Context, sc ConfigStore, issuer, clientID, clientSecret, emailDomain string) error {
	issuer, clientID = strings.TrimSpace(issuer), strings.TrimSpace(clientID)
	emailDomain = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(emailDomain), "@"))
	if u, err := url.Parse(issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errs.New(errs.Invalid, "the issuer must be an https:// URL")
	}
	if clientID == "" || clientSecret == "" {
		return errs.New(errs.Invalid, "the client ID and client secret are required")
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := oidc.NewProvider(dctx, issuer); err != nil {
		return errs.Wrap(errs.Invalid, "the issuer does not answer OpenID Connect discovery", err)
	}
	sealed, err := s.vault.Seal(ctx, []byte(clientSecret), secretAAD(sc.Org().ID))
	if err != nil {
		return err
	}
	return sc.SetSSO(ctx, &store.SSOConfig{Issuer: issuer, ClientID: clientID, SecretSealed: sealed, EmailDomain: emailDomain})
}

func (s *Service) client(ctx context.Context, c *store.SSOConfig) (*oauth2.Config, *oidc.Provider, error) {
	secret, err := s.vault.Open(ctx, c.SecretSealed, secretAAD(c.OrgID))
	if err != nil {
		return nil, nil, err
	}
	p, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return nil, nil, errs.Wrap(errs.Unavailable, "the organisation's sign-in provider does not answer", err)
	}
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: string(secret), Endpoint: p.Endpoint(),
		RedirectURL: s.CallbackURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, p, nil
}

func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// Start begins a sign-in with the organisation's provider and returns the
// provider's address to send the browser to. Errors: NotFound when the
// organisation has no SSO.
func (s *Service) Start(ctx context.Context, o *org.Organization, next string) (string, error) {
	c, err := s.store.SSO(ctx, o.ID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return "", errs.New(errs.NotFound, "this organisation does not use single sign-on")
		}
		return "", err
	}
	cfg, _, err := s.client(ctx, c)
	if err != nil {
		return "", err
	}
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	now := s.now().UTC()
	if err := s.store.SaveSSOState(ctx, &store.SSOState{StateHash: hashState(state), OrgID: o.ID, Nonce: nonce, Verifier: verifier, Next: next, CreatedAt: now}, now.Add(-StateTTL)); err != nil {
		return "", err
	}
	return cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Result is a finished sign-in: who, into which organisation, and where to.
type Result struct {
	User *auth.User
	Org  *org.Organization
	Next string
}

// Finish completes a sign-in from the provider's redirect. Errors:
// Unauthenticated for a bad, used or stale state or a code the provider does
// not honour; Forbidden for an address that is unverified, outside the
// organisation's domain, unknown, disabled or not a member.
func (s *Service) Finish(ctx context.Context, state, code string) (*Result, error) {
	st, err := s.store.TakeSSOState(ctx, hashState(state))
	if errs.Is(err, errs.NotFound) {
		return nil, errs.New(errs.Unauthenticated, "this sign-in has expired or was already used; start again")
	}
	if err != nil {
		return nil, err
	}
	if s.now().Sub(st.CreatedAt) > StateTTL {
		return nil, errs.New(errs.Unauthenticated, "this sign-in has expired; start again")
	}
	o, err := s.store.Organization(ctx, st.OrgID)
	if err != nil {
		return nil, err
	}
	c, err := s.store.SSO(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	cfg, p, err := s.client(ctx, c)
	if err != nil {
		return nil, err
	}
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, errs.Wrap(errs.Unauthenticated, "the sign-in provider did not accept the sign-in", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, errs.New(errs.Unauthenticated, "the sign-in provider sent no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.ClientID, Now: s.now}).Verify(ctx, raw)
	if err != nil {
		return nil, errs.Wrap(errs.Unauthenticated, "the ID token is not valid", err)
	}
	if idt.Nonce != st.Nonce {
		return nil, errs.New(errs.Unauthenticated, "the ID token was not issued for this sign-in")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, errs.Wrap(errs.Unauthenticated, "the ID token's claims are unreadable", err)
	}
	email := auth.NormalizeEmail(claims.Email)
	switch {
	case email == "" || !claims.EmailVerified:
		return nil, errs.New(errs.Forbidden, "the sign-in provider did not vouch for an email address")
	case c.EmailDomain != "" && !strings.HasSuffix(email, "@"+c.EmailDomain):
		return nil, errs.New(errs.Forbidden, fmt.Sprintf("%s is not an address of %s", email, c.EmailDomain))
	}
	u, err := s.store.UserByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.New(errs.Forbidden, email+" has no Safeguard account: ask an owner of "+o.Name)
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.store.Membership(ctx, o.ID, u.ID); err != nil || u.Disabled {
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		return nil, errs.New(errs.Forbidden, email+" is not an active member of "+o.Name)
	}
	return &Result{User: u, Org: o, Next: st.Next}, nil
}
