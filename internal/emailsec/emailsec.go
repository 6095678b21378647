// Package emailsec is the service that verifies the organisation's email
// security (HPH CPG essential goal 2) from what anyone can see: it probes
// the email domains of the organisation's profile (internal/mailcheck:
// SPF, DKIM, DMARC, the MX hosts' STARTTLS, MTA-STS, TLS-RPT, DNSSEC),
// records what it found in one transaction with its audit entry and the
// run of the checks that read it (internal/checkrun turns the probes
// into the email checks' verdicts, the scorecard's inputs and the
// proposals to the register). The server's job, the web pages, the API
// and the command line all probe through it; a probe asked for from a
// page or the API runs as a job.
package emailsec

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Store is what a probe needs of the organisation's records
// (store.Scoped implements it).
type Store interface {
	Org() *org.Organization
	Profile(ctx context.Context) (*org.Profile, error)
	SaveEmailProbe(ctx context.Context, resolver string, at time.Time, results []store.EmailProbe, after ...store.TxFunc) (string, error)
	DMARCSources(ctx context.Context, from, to string) ([]*store.DMARCSource, error)
}

// Queue enqueues the work that follows a probe, and probes themselves
// (internal/jobs' engine implements it).
type Queue interface {
	// QueueChecksTx enqueues a run of the organisation's checks in tx.
	QueueChecksTx(ctx context.Context, tx *sql.Tx, orgID string) error
	// QueueEmailProbe enqueues a probe of the organisation's domains.
	QueueEmailProbe(ctx context.Context, orgID string) error
}

// Service probes organisations' email domains.
type Service struct {
	// Resolver is the DNS resolver asked, HOST:PORT; the first of
	// /etc/resolv.conf when "".
	Resolver string
	// Timeout bounds each DNS answer (5 s when 0); Reach says how the MX
	// hosts and the MTA-STS policy are reached (each may take
	// Reach.Timeout, 10 s when 0).
	Timeout time.Duration
	Reach   mailcheck.Probe
	// Queue takes the check run that follows a probe; none when nil (a
	// caller that runs the checks itself).
	Queue Queue
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Outcome is one probe's results.
type Outcome struct {
	ProbeID  string             `json:"probe"`
	Resolver string             `json:"resolver"`
	At       time.Time          `json:"at"`
	Results  []mailcheck.Result `json:"results"`
	// Unknown lists the domain checks that could not be made (the resolver
	// or a server did not answer).
	Unknown []string `json:"unknown,omitempty"`
}

// parallel bounds the domains probed at once.
const parallel = 4

// maxSenders bounds the senders check_host() is evaluated for, per
// domain: the busiest of those that send aligned mail.
const maxSenders = 8

// ErrNoDomains is the error of a probe of an organisation whose profile
// lists no email domains.
var ErrNoDomains = errors.New("the profile lists no email domains")

// Probe checks every email domain of the organisation's profile now, each
// with its DKIM selectors, and records the results with the run of the
// checks that read them (through Queue) in one transaction. Errors:
// Invalid when the profile lists no domains; Unavailable when no resolver
// is configured or found.
func (s *Service) Probe(ctx context.Context, sc Store) (*Outcome, error) {
	p, err := sc.Profile(ctx)
	if err != nil {
		return nil, err
	}
	if len(p.EmailDomains) == 0 {
		return nil, errs.Wrap(errs.Invalid, sc.Org().Name+": the profile lists no email domains; add the domains the organisation sends mail as", ErrNoDomains)
	}
	server, err := s.resolver()
	if err != nil {
		return nil, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	out := &Outcome{Resolver: server, At: now().UTC().Truncate(time.Second)}
	// The domains' own senders, by the aggregate reports of the window:
	// check_host() is evaluated for each.
	sources, err := sc.DMARCSources(ctx, out.At.AddDate(0, 0, -Window).Format(time.DateOnly), out.At.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range p.EmailDomains {
		names = append(names, d.Domain)
	}
	senders := map[string][]string{}
	for _, dr := range Summarise(names, sources) {
		own := slices.DeleteFunc(slices.Clone(dr.Sources), func(src Source) bool { return src.Class == Never || src.Domain != dr.Domain })
		slices.SortStableFunc(own, func(a, b Source) int { return cmp.Compare(b.Messages, a.Messages) })
		for _, src := range own[:min(len(own), maxSenders)] {
			senders[dr.Domain] = append(senders[dr.Domain], src.SourceIP)
		}
	}
	results := make([][]mailcheck.Result, len(p.EmailDomains))
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i, d := range p.EmailDomains {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = mailcheck.CheckDomain(ctx, server, s.Timeout, s.Reach, d.Domain, d.Selectors, senders[d.Domain])
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err // stopped: nothing recorded
	}
	var rows []store.EmailProbe
	for _, rs := range results {
		for _, r := range rs {
			b, err := json.Marshal(r)
			if err != nil {
				return nil, errs.Wrap(errs.Internal, "an email check's result", err)
			}
			rows = append(rows, store.EmailProbe{Domain: r.Domain, Check: r.Check, Status: r.Status, Result: b})
			out.Results = append(out.Results, r)
		}
	}
	out.Unknown = mailcheck.Unknown(out.Results)
	var after []store.TxFunc
	if s.Queue != nil {
		after = append(after, func(ctx context.Context, tx *sql.Tx) error { return s.Queue.QueueChecksTx(ctx, tx, sc.Org().ID) })
	}
	if out.ProbeID, err = sc.SaveEmailProbe(ctx, server, out.At, rows, after...); err != nil {
		return nil, err
	}
	return out, nil
}

// Request asks for a probe of the organisation's domains, run as a job by
// a server. Errors: Invalid when the profile lists no domains;
// Unavailable when there is no queue.
func (s *Service) Request(ctx context.Context, sc Store) error {
	p, err := sc.Profile(ctx)
	if err != nil {
		return err
	}
	if len(p.EmailDomains) == 0 {
		return errs.Wrap(errs.Invalid, sc.Org().Name+": the profile lists no email domains; add the domains the organisation sends mail as", ErrNoDomains)
	}
	if s.Queue == nil {
		return errs.New(errs.Unavailable, "no job engine to run the probe")
	}
	return s.Queue.QueueEmailProbe(ctx, sc.Org().ID)
}

// resolver is the DNS server asked.
func (s *Service) resolver() (string, error) {
	if s.Resolver != "" {
		return HostPort(s.Resolver), nil
	}
	server, err := mailcheck.SystemResolver()
	if err != nil {
		return "", errs.Wrap(errs.Unavailable, "no DNS resolver: name one (--email-resolver)", err)
	}
	return server, nil
}

// HostPort is a resolver's address with port 53 when it names none.
func HostPort(server string) string {
	if _, _, err := net.SplitHostPort(server); err != nil {
		return net.JoinHostPort(strings.Trim(server, "[]"), "53")
	}
	return server
}

// Checks are the checks a probe makes of each domain, in order.
var Checks = []string{"email.spf", "email.dkim", "email.dmarc", "email.transport", "email.dnssec", "email.bimi"}

// Order sorts results by domain, then in the order of Checks.
func Order(rs []*store.EmailProbe) {
	slices.SortStableFunc(rs, func(a, b *store.EmailProbe) int {
		if c := strings.Compare(a.Domain, b.Domain); c != 0 {
			return c
		}
		return slices.Index(Checks, a.Check) - slices.Index(Checks, b.Check)
	})
}

// Records is what the posture reads (store.Scoped implements it).
type Records interface {
	Profile(ctx context.Context) (*org.Profile, error)
	EmailProbes(ctx context.Context) ([]*store.EmailProbe, error)
}

// Posture is the organisation's email security as its newest probes found
// it: each domain of its profile with each check's newest result.
type Posture struct {
	Domains []DomainPosture `json:"domains"`
	// ProbedAt is the newest probe's time, nil when none ran.
	ProbedAt *time.Time `json:"probed_at"`
}

// DomainPosture is one email domain's checks.
type DomainPosture struct {
	Domain    string    `json:"domain"`
	Selectors []string  `json:"dkim_selectors"`
	Status    string    `json:"status"` // the worst of its checks; "" when not probed yet
	Checks    []Checked `json:"checks"`
}

// Checked is one check's newest result, with when and through which
// resolver it was found.
type Checked struct {
	mailcheck.Result
	ProbedAt time.Time `json:"probed_at"`
	Resolver string    `json:"resolver"`
}

// ReadPosture reads the organisation's email posture: the domains of its
// profile, in its order, each with its checks' newest results in the
// order of Checks (none for a domain not probed since it was added).
func ReadPosture(ctx context.Context, st Records) (*Posture, error) {
	p, err := st.Profile(ctx)
	if err != nil {
		return nil, err
	}
	probes, err := st.EmailProbes(ctx)
	if err != nil {
		return nil, err
	}
	Order(probes)
	out := &Posture{Domains: []DomainPosture{}}
	for _, d := range p.EmailDomains {
		dp := DomainPosture{Domain: d.Domain, Selectors: append([]string{}, d.Selectors...), Checks: []Checked{}}
		for _, pr := range probes {
			if pr.Domain != d.Domain {
				continue
			}
			c := Checked{ProbedAt: pr.ProbedAt, Resolver: pr.Resolver}
			if err := json.Unmarshal(pr.Result, &c.Result); err != nil {
				return nil, errs.Wrap(errs.Internal, "the stored "+pr.Check+" result of "+pr.Domain, err)
			}
			dp.Checks = append(dp.Checks, c)
			dp.Status = worst(dp.Status, c.Status)
			if out.ProbedAt == nil || pr.ProbedAt.After(*out.ProbedAt) {
				at := pr.ProbedAt
				out.ProbedAt = &at
			}
		}
		out.Domains = append(out.Domains, dp)
	}
	return out, nil
}

// worst is the worse of two statuses: fail, unknown, warn, pass.
func worst(a, b string) string {
	rank := map[string]int{"": 0, "pass": 1, "warn": 2, "unknown": 3, "fail": 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
