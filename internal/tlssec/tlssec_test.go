package tlssec_test

import (
	"context"
	"crypto/tls"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
	"github.com/safeguard-health/safeguard/internal/tlssec"
)

func testdata(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "ingest", "testdata", name)
}

// A loopback network: a strong patient portal, a VPN gateway that still
// takes TLS 1.0, and an internet-facing asset's host name where nothing
// listens.
func network(t *testing.T) (*tlstest.CA, map[string]string) {
	t.Helper()
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	serve := func(endpoint string, cfg *tls.Config, hsts *string) {
		host := strings.Split(endpoint, ":")[0]
		cert, err := ca.Issue(tlstest.Leaf{Names: []string{host}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
		s, err := tlstest.Serve(cfg, hsts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		names[endpoint] = s.Addr
	}
	hsts := "max-age=63072000"
	serve("portal.riverside.example:443", &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, &hsts)
	serve("vpn.riverside.example:10443", &tls.Config{MinVersion: tls.VersionTLS10}, nil)
	names["billing.riverside.example:443"] = "127.0.0.1:1" // nothing listens
	return ca, names
}

// The organisation's endpoints — those its profile lists and its
// internet-facing assets' host names — probed, recorded with their
// audit entry, and judged by crypto.tls with the scorecard input that
// follows; an imported testssl.sh report lands beside the probes.
func TestProbeAndCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		ca, names := network(t)
		svc := &tlssec.Service{Timeout: 5 * time.Second, Workers: 2, Roots: ca.Pool, Dial: tlstest.Dialer(names)}

		// Nothing to probe yet.
		if _, err := svc.Probe(ctx, sc); !errs.Is(err, errs.Invalid) || !errors.Is(err, tlssec.ErrNoTargets) {
			t.Errorf("a probe of nothing: %v", err)
		}
		if err := sc.SaveProfile(ctx, o, &org.Profile{TLSEndpoints: []string{"https://portal.riverside.example/", "vpn.riverside.example:10443"}}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []*risk.Asset{
			{Name: "Billing portal", Type: risk.Application, Criticality: risk.CriticalityModerate, InternetFacing: true, Transmits: true, Identifiers: []string{"billing.riverside.example", "billing-image:latest"}},
			{Name: "Patient portal", Type: risk.Application, Criticality: risk.CriticalityHigh, InternetFacing: true, Transmits: true, Identifiers: []string{"PORTAL.riverside.example"}},
			{Name: "File server", Type: risk.System, Criticality: risk.CriticalityHigh, Maintains: true, Identifiers: []string{"files.riverside.local"}},
		} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		p, _ := sc.Profile(ctx)
		assets, _ := sc.InternetFacingAssets(ctx)
		var targets []string
		for _, tg := range tlssec.Targets(p, assets) {
			targets = append(targets, tg.Endpoint)
		}
		if strings.Join(targets, " ") != "portal.riverside.example:443 vpn.riverside.example:10443 billing.riverside.example:443" {
			t.Errorf("targets: %v", targets)
		}

		// Before any probe, every endpoint is unknown: not checked yet.
		res := tlsCheck(t, ctx, sc)
		if res.GoalStatus != assessment.Unknown || res.Counts["unchecked"] != 3 {
			t.Errorf("before a probe: %s %v %q", res.GoalStatus, res.Counts, res.Detail)
		}

		out, err := svc.Probe(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]string{}
		for _, r := range out.Results {
			status[r.Endpoint] = r.Status
		}
		if status["portal.riverside.example:443"] != "pass" || status["vpn.riverside.example:10443"] != "fail" || status["billing.riverside.example:443"] != "unknown" {
			t.Errorf("probe: %v", status)
		}
		stored, err := sc.TLSResults(ctx)
		if err != nil || len(stored) != 3 {
			t.Fatalf("stored: %d %v", len(stored), err)
		}
		events, err := s.AuditLog(ctx, store.AuditFilter{OrgID: o.ID, Limit: 10})
		if err != nil || !hasAction(events, "tls.probe") {
			t.Errorf("no audit entry of the probe: %v", err)
		}

		// The VPN fails the check; the billing host, where nothing listens
		// on 443, is not judged.
		res = tlsCheck(t, ctx, sc)
		if res.GoalStatus != assessment.NotMet || res.Counts["fail"] != 1 || res.Counts["pass"] != 1 || res.Counts["no_service"] != 1 || res.Counts["endpoints"] != 2 {
			t.Errorf("after the probe: %s %v %q", res.GoalStatus, res.Counts, res.Detail)
		}
		if !strings.Contains(res.Detail, "failing (vpn.riverside.example:10443)") {
			t.Errorf("detail: %q", res.Detail)
		}

		// testssl.sh's report of two loopback servers: the weak one fails.
		imp, err := dataimport.File(ctx, dataimport.Request{Path: testdata("testssl-loopback.json"), Scope: func() (*store.Scoped, error) { return sc, nil }})
		if err != nil {
			t.Fatal(err)
		}
		if imp.Records != 2 || !strings.Contains(strings.Join(imp.Summary, " "), "2 endpoints of testssl.sh") {
			t.Errorf("import: %d %v", imp.Records, imp.Summary)
		}
		again, err := dataimport.File(ctx, dataimport.Request{Path: testdata("testssl-loopback.json"), Scope: func() (*store.Scoped, error) { return sc, nil }})
		if err != nil || again.Fresh {
			t.Errorf("the same report again: %v %v", again, err)
		}
		stored, _ = sc.TLSResults(ctx)
		if len(stored) != 5 {
			t.Errorf("%d results after the import", len(stored))
		}
		res = tlsCheck(t, ctx, sc)
		if res.Counts["endpoints"] != 4 || res.Counts["fail"] != 2 {
			t.Errorf("with the report: %v %q", res.Counts, res.Detail)
		}
		history, err := sc.TLSHistory(ctx, "vpn.riverside.example:10443", 5)
		if err != nil || len(history) != 1 || history[0].Source != "safeguard" {
			t.Errorf("history: %v %v", history, err)
		}
	})
}

func hasAction(events []audit.Entry, action string) bool {
	for _, e := range events {
		if e.Action == action {
			return true
		}
	}
	return false
}

// tlsCheck runs the organisation's checks and returns crypto.tls's
// stored result.
func tlsCheck(t *testing.T, ctx context.Context, sc *store.Scoped) *check.Result {
	t.Helper()
	results, err := (&checkrun.Service{}).Run(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Check.ID == "crypto.tls" {
			return r
		}
	}
	t.Fatal("no crypto.tls result")
	return nil
}

// Endpoints checked without an organisation come back in the order asked,
// a bare host as host:443, a bad one unknown with why.
func TestCheckWithoutOrganisation(t *testing.T) {
	ca, names := network(t)
	svc := &tlssec.Service{Timeout: 5 * time.Second, Roots: ca.Pool, Dial: tlstest.Dialer(names)}
	out, err := svc.Check(context.Background(), "modern", []string{"vpn.riverside.example:10443", "portal.riverside.example", "bad:port"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Status != "fail" || out[1].Endpoint != "portal.riverside.example:443" || out[1].Profile != "modern" || out[2].Status != "unknown" {
		for _, r := range out {
			t.Logf("%s %s %s", r.Endpoint, r.Status, r.Error)
		}
		t.Error("results out of order or wrong")
	}
	if _, err := svc.Check(context.Background(), "old", []string{"a:1"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("an unknown profile: %v", err)
	}
}
