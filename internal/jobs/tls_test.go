package jobs_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// A server probes the TLS endpoints of each organisation that has some
// and no probe recent enough (at once, when it starts), records the
// probe with the run of the checks that read it, and is not due again
// until the interval has passed; an endpoint added to the profile is.
func TestTLSEndpointsProbedInTheBackground(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ca, err := tlstest.NewCA()
		if err != nil {
			t.Fatal(err)
		}
		cert, err := ca.Issue(tlstest.Leaf{Names: []string{"portal.riverside.example", "vpn.riverside.example"}})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		names := map[string]string{"portal.riverside.example:8443": srv.Addr, "vpn.riverside.example:10443": srv.Addr}
		sc := riverside(t, s)
		o := sc.Org()
		if err := sc.SaveProfile(ctx, o, &org.Profile{TLSEndpoints: []string{"portal.riverside.example:8443"}}); err != nil {
			t.Fatal(err)
		}
		quiet := riverside2(t, s) // nothing to probe
		bs := &blob.Store{Backend: blob.Database{Rows: s}, Sealer: vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})}
		e, err := jobs.New(jobs.Config{Store: s, Blobs: bs, Work: true, PollInterval: 20 * time.Millisecond, EmailEvery: -1, TLSEvery: time.Hour,
			TLS: &tlssec.Service{Timeout: 5 * time.Second, Roots: ca.Pool, Dial: tlstest.Dialer(names)},
			Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Stop(context.Background()) })
		var results []*store.TLSResult
		for deadline := time.Now().Add(time.Minute); len(results) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if results, err = sc.TLSResults(ctx); err != nil {
				t.Fatal(err)
			}
		}
		wait(t, e)
		if len(results) != 1 || results[0].Status != "fail" || results[0].Source != "safeguard" { // TLS 1.0 accepted
			t.Fatalf("the probe: %+v", results)
		}
		checks, err := sc.CheckResults(ctx)
		if err != nil {
			t.Fatal(err)
		}
		verdict := ""
		for _, r := range checks {
			if r.Check.ID == "crypto.tls" {
				verdict = string(r.Status)
			}
		}
		if verdict != "fail" {
			t.Errorf("crypto.tls after the probe: %q", verdict)
		}
		if other, _ := quiet.TLSResults(ctx); len(other) != 0 {
			t.Errorf("an organisation without endpoints was probed: %d", len(other))
		}
		count := func() int {
			entries, err := s.AuditLog(ctx, store.AuditFilter{OrgID: o.ID, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.Action == "tls.probe" {
					n++
				}
			}
			return n
		}
		if err := jobs.ProbeDueTLSForTest(e, ctx); err != nil {
			t.Fatal(err)
		}
		wait(t, e)
		if n := count(); n != 1 {
			t.Errorf("%d probes; endpoints probed within the interval are not due", n)
		}
		if err := sc.SaveProfile(ctx, o, &org.Profile{TLSEndpoints: []string{"portal.riverside.example:8443", "vpn.riverside.example:10443"}}); err != nil {
			t.Fatal(err)
		}
		if err := jobs.ProbeDueTLSForTest(e, ctx); err != nil {
			t.Fatal(err)
		}
		wait(t, e)
		if n := count(); n != 2 {
			t.Errorf("%d probes; an endpoint added to the profile is due", n)
		}
	})
}

// A probe asked for while one of the same organisation waits stands for
// both, whoever asked: the organisation alone makes the job unique.
func TestProbeQueuedOnce(t *testing.T) {
	path := storetest.SQLitePath(t)
	s := storetest.SQLiteAt(t, path)
	ctx := context.Background()
	sc := riverside(t, s)
	other := riverside2(t, s)
	queue := engine(t, s, false)
	for _, who := range []string{"owner@riverside.example", "security@riverside.example"} {
		actx := audit.WithActor(ctx, audit.Actor{ID: who, Label: who, Source: "203.0.113.5"})
		if err := queue.QueueTLSProbe(actx, sc.Org().ID); err != nil {
			t.Fatal(err)
		}
		if err := queue.QueueEmailProbe(actx, sc.Org().ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := queue.QueueTLSProbe(ctx, other.Org().ID); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQLiteFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for kind, want := range map[string]int{"tls_probe": 2, "email_probe": 1} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE kind = ?`, kind).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%d %s jobs, want %d", n, kind, want)
		}
	}
}
