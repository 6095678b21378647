// Package tlssec is the service that verifies the TLS of the
// organisation's services (HPH CPG essential goal 5, strong encryption;
// 164.312(e)(1) and (e)(2)(ii)): it probes the endpoints the profile lists
// and the inventory's internet-facing assets (internal/tlscheck), at most
// a few at a time and each within its time, and records what it found in
// one transaction with its audit entry and the run of the checks that
// read it. Reports of testssl.sh and sslyze come in through the import
// pipeline beside the probes. The server's job, the web pages, the API
// and the command line all probe through it.
package tlssec

import (
	"cmp"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

// Store is what a probe needs of the organisation's records
// (store.Scoped implements it).
type Store interface {
	Org() *org.Organization
	Profile(ctx context.Context) (*org.Profile, error)
	InternetFacingAssets(ctx context.Context) ([]*risk.Asset, error)
	SaveTLSProbe(ctx context.Context, profile string, at time.Time, results []store.TLSResult, after ...store.TxFunc) (string, error)
}

// Queue enqueues the work that follows a probe, and probes themselves
// (internal/jobs' engine implements it).
type Queue interface {
	QueueChecksTx(ctx context.Context, tx *sql.Tx, orgID string) error
	QueueTLSProbe(ctx context.Context, orgID string) error
}

// Service probes organisations' endpoints.
type Service struct {
	// Timeout bounds each connection (10 s when 0).
	Timeout time.Duration
	// Workers bounds the endpoints probed at once (DefaultWorkers when 0).
	Workers int
	// Roots are the CAs trusted besides the system's (an organisation's
	// private CA); the system's alone when nil.
	Roots *x509.CertPool
	// Dial connects; a net.Dialer when nil (the demo sends its names to
	// loopback through it).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Queue takes the check run that follows a probe; none when nil.
	Queue Queue
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultWorkers is how many endpoints are probed at once.
const DefaultWorkers = 8

// Target is an endpoint to probe, and why: the profile lists it, or it is
// an identifier of an internet-facing asset of the inventory (on 443).
type Target struct {
	Endpoint string `json:"endpoint"`
	Listed   bool   `json:"listed"`
	AssetID  string `json:"asset,omitempty"`
	Asset    string `json:"asset_name,omitempty"`
}

// ErrNoTargets is the error of a probe of an organisation with nothing to
// probe.
var ErrNoTargets = errors.New("no TLS endpoints")

// Targets are the organisation's endpoints: those its profile lists, then
// each DNS name or address of its internet-facing assets on port 443, once
// each.
func Targets(p *org.Profile, assets []*risk.Asset) []Target {
	var out []Target
	seen := map[string]bool{}
	for _, e := range p.TLSEndpoints {
		if h, port, err := tlscheck.SplitEndpoint(e); err == nil {
			e = net.JoinHostPort(h, port)
			if !seen[e] {
				seen[e] = true
				out = append(out, Target{Endpoint: e, Listed: true})
			}
		}
	}
	for _, a := range assets {
		if !a.InternetFacing {
			continue
		}
		for _, id := range a.Identifiers {
			id = strings.ToLower(strings.TrimSpace(id))
			if net.ParseIP(id) == nil && !hostName(id) {
				continue // an image name, a path: nothing to connect to
			}
			e := net.JoinHostPort(id, "443")
			if !seen[e] {
				seen[e] = true
				out = append(out, Target{Endpoint: e, AssetID: a.ID, Asset: a.Name})
			}
		}
	}
	return out
}

// hostName reports whether s is a DNS name of two labels or more.
func hostName(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") || strings.ContainsAny(s, "/:@ ") {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// Outcome is one probe's results.
type Outcome struct {
	ProbeID string             `json:"probe"`
	Profile string             `json:"profile"`
	At      time.Time          `json:"at"`
	Results []*tlscheck.Result `json:"results"`
}

// options are the probe's options for the organisation's profile.
func (s *Service) options(name string) (tlscheck.Options, error) {
	prof, err := tlscheck.LoadProfile(name)
	if err != nil {
		return tlscheck.Options{}, errs.New(errs.Invalid, err.Error())
	}
	return tlscheck.Options{Profile: prof, Roots: s.Roots, Timeout: s.Timeout, Dial: s.Dial, Now: s.Now}, nil
}

// Check probes endpoints now against the named profile (intermediate when
// ""), recording nothing: what `safeguard tls check` without an
// organisation does. Results come in the order of endpoints.
func (s *Service) Check(ctx context.Context, profile string, endpoints []string) ([]*tlscheck.Result, error) {
	o, err := s.options(profile)
	if err != nil {
		return nil, err
	}
	out := make([]*tlscheck.Result, len(endpoints))
	where := map[string][]int{}
	for i, e := range endpoints {
		where[normal(e)] = append(where[normal(e)], i)
	}
	tlscheck.Scan(ctx, endpoints, o, s.workers(), func(r *tlscheck.Result) {
		for _, i := range where[r.Endpoint] {
			if out[i] == nil {
				out[i] = r
				return
			}
		}
	})
	return out, ctx.Err()
}

// normal is an endpoint as results name it: host:port, or as given when
// it is not one.
func normal(e string) string {
	h, p, err := tlscheck.SplitEndpoint(e)
	if err != nil {
		return e
	}
	return net.JoinHostPort(h, p)
}

func (s *Service) workers() int {
	if s.Workers > 0 {
		return s.Workers
	}
	return DefaultWorkers
}

// Probe checks every endpoint of the organisation now (Targets) and
// records the results with the run of the checks that read them (through
// Queue) in one transaction; a probe stopped half-way records nothing.
// Errors: Invalid when there is nothing to probe.
func (s *Service) Probe(ctx context.Context, sc Store) (*Outcome, error) {
	p, err := sc.Profile(ctx)
	if err != nil {
		return nil, err
	}
	assets, err := sc.InternetFacingAssets(ctx)
	if err != nil {
		return nil, err
	}
	targets := Targets(p, assets)
	if len(targets) == 0 {
		return nil, errs.Wrap(errs.Invalid, sc.Org().Name+": no TLS endpoints: list the organisation's services (host:port) in its profile, or give its internet-facing assets their host names", ErrNoTargets)
	}
	endpoints := make([]string, len(targets))
	for i, t := range targets {
		endpoints[i] = t.Endpoint
	}
	return s.probe(ctx, sc, p, endpoints)
}

// ProbeEndpoints checks the endpoints given now, as the organisation's,
// and records them as Probe does.
func (s *Service) ProbeEndpoints(ctx context.Context, sc Store, endpoints []string) (*Outcome, error) {
	p, err := sc.Profile(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range endpoints {
		if _, _, err := tlscheck.SplitEndpoint(e); err != nil {
			return nil, errs.New(errs.Invalid, err.Error())
		}
	}
	if len(endpoints) == 0 {
		return nil, errs.Wrap(errs.Invalid, "name the endpoints to probe (host:port)", ErrNoTargets)
	}
	return s.probe(ctx, sc, p, endpoints)
}

func (s *Service) probe(ctx context.Context, sc Store, p *org.Profile, endpoints []string) (*Outcome, error) {
	o, err := s.options(p.TLSProfile)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	out := &Outcome{Profile: o.Profile.Name, At: now().UTC().Truncate(time.Second)}
	rows := make([]store.TLSResult, 0, len(endpoints))
	var marshalErr error
	tlscheck.Scan(ctx, endpoints, o, s.workers(), func(r *tlscheck.Result) {
		b, err := json.Marshal(r)
		if err != nil {
			marshalErr = err
			return
		}
		rows = append(rows, store.TLSResult{Endpoint: r.Endpoint, Source: r.Source, Status: r.Status, Profile: r.Profile, Result: b, CheckedAt: out.At})
		out.Results = append(out.Results, r)
	})
	if err := ctx.Err(); err != nil {
		return nil, err // stopped: nothing recorded
	}
	if marshalErr != nil {
		return nil, errs.Wrap(errs.Internal, "a TLS result", marshalErr)
	}
	slices.SortFunc(out.Results, func(a, b *tlscheck.Result) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	var after []store.TxFunc
	if s.Queue != nil {
		after = append(after, func(ctx context.Context, tx *sql.Tx) error { return s.Queue.QueueChecksTx(ctx, tx, sc.Org().ID) })
	}
	if out.ProbeID, err = sc.SaveTLSProbe(ctx, out.Profile, out.At, rows, after...); err != nil {
		return nil, err
	}
	return out, nil
}

// Request asks for a probe of the organisation's endpoints, run as a job
// by a server. Errors: Invalid when there is nothing to probe;
// Unavailable when there is no queue.
func (s *Service) Request(ctx context.Context, sc Store) error {
	p, err := sc.Profile(ctx)
	if err != nil {
		return err
	}
	assets, err := sc.InternetFacingAssets(ctx)
	if err != nil {
		return err
	}
	if len(Targets(p, assets)) == 0 {
		return errs.Wrap(errs.Invalid, sc.Org().Name+": no TLS endpoints: list the organisation's services (host:port) in its profile, or give its internet-facing assets their host names", ErrNoTargets)
	}
	if s.Queue == nil {
		return errs.New(errs.Unavailable, "no job engine to run the probe")
	}
	return s.Queue.QueueTLSProbe(ctx, sc.Org().ID)
}

// Records is what the posture reads (store.Scoped implements it).
type Records interface {
	Profile(ctx context.Context) (*org.Profile, error)
	InternetFacingAssets(ctx context.Context) ([]*risk.Asset, error)
	TLSResults(ctx context.Context) ([]*store.TLSResult, error)
}

// Posture is the TLS of the organisation's endpoints as their newest
// results show it.
type Posture struct {
	Profile   string            `json:"profile"`
	Endpoints []EndpointPosture `json:"endpoints"`
	ProbedAt  *time.Time        `json:"probed_at"` // the newest result's time; nil when none
	Counts    map[string]int    `json:"counts"`    // endpoints by status
	Sources   map[string]int    `json:"sources"`   // results by who looked
}

// EndpointPosture is one endpoint: why it is the organisation's, its
// status (the worst of its newest results that reached it; "" when none
// has been checked yet, or when nothing answers there), and its newest
// result from each source.
type EndpointPosture struct {
	Target
	Status string `json:"status"`
	// NoService says nothing answered at an asset's name on 443: no TLS
	// service is there, and the endpoint is not judged.
	NoService bool               `json:"no_service,omitempty"`
	Results   []*tlscheck.Result `json:"results"`
}

// NoService reports whether nothing answered at a target the inventory
// gave (an asset's name on 443): every result could not connect. Such an
// endpoint has no TLS service and is not judged; one the profile lists
// is, as unknown.
func NoService(t Target, results []*tlscheck.Result) bool {
	if t.Listed || t.AssetID == "" || len(results) == 0 {
		return false
	}
	for _, r := range results {
		if r.Status != tlscheck.Unknown || !strings.HasPrefix(r.Error, "could not connect") {
			return false
		}
	}
	return true
}

// ReadPosture reads the organisation's TLS posture: its endpoints (those
// of Targets, then any other a result names), each with its newest result
// from each source.
func ReadPosture(ctx context.Context, st Records) (*Posture, error) {
	p, err := st.Profile(ctx)
	if err != nil {
		return nil, err
	}
	assets, err := st.InternetFacingAssets(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := st.TLSResults(ctx)
	if err != nil {
		return nil, err
	}
	prof, _ := tlscheck.LoadProfile(p.TLSProfile)
	out := &Posture{Profile: prof.Name, Endpoints: []EndpointPosture{}, Counts: map[string]int{}, Sources: map[string]int{}}
	byEndpoint := map[string][]*store.TLSResult{}
	for _, r := range stored {
		byEndpoint[r.Endpoint] = append(byEndpoint[r.Endpoint], r)
	}
	targets := Targets(p, assets)
	seen := map[string]bool{}
	for _, t := range targets {
		seen[t.Endpoint] = true
	}
	var extra []string
	for e := range byEndpoint {
		if !seen[e] {
			extra = append(extra, e)
		}
	}
	slices.Sort(extra)
	for _, e := range extra {
		targets = append(targets, Target{Endpoint: e})
	}
	for _, t := range targets {
		ep := EndpointPosture{Target: t, Results: []*tlscheck.Result{}}
		for _, r := range byEndpoint[t.Endpoint] {
			res := &tlscheck.Result{}
			if err := json.Unmarshal(r.Result, res); err != nil {
				return nil, errs.Wrap(errs.Internal, "the stored TLS result of "+r.Endpoint, err)
			}
			ep.Results = append(ep.Results, res)
			out.Sources[r.Source]++
			if r.Status != tlscheck.Unknown {
				ep.Status = tlscheck.Worse(ep.Status, r.Status)
			}
			if out.ProbedAt == nil || r.CheckedAt.After(*out.ProbedAt) {
				at := r.CheckedAt
				out.ProbedAt = &at
			}
		}
		switch {
		case NoService(t, ep.Results):
			ep.NoService, ep.Status = true, ""
			out.Counts["no_service"]++
			out.Endpoints = append(out.Endpoints, ep)
			continue
		case ep.Status == "" && len(ep.Results) > 0:
			ep.Status = tlscheck.Unknown
		}
		out.Counts[cmp.Or(ep.Status, "unchecked")]++
		out.Endpoints = append(out.Endpoints, ep)
	}
	return out, nil
}
