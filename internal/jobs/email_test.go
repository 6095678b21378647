package jobs_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// A server probes the email domains of each organisation that lists them
// and has no probe recent enough (at once, when it starts: none has one),
// through the resolver it is given; the probe is recorded with the run of
// the checks that read it, and the email checks' verdicts follow. Once
// probed, a domain is not due again until the interval has passed; a
// domain added to the profile is.
func TestEmailDomainsProbedInTheBackground(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		z := dnstest.New(t)
		z.Set(map[string][]dnstest.Record{
			"riverside.example":        {dnstest.TXT("v=spf1 -all")},
			"_dmarc.riverside.example": {dnstest.TXT("v=DMARC1; p=none")},
		})
		sc := riverside(t, s)
		o := sc.Org()
		if err := sc.SaveProfile(ctx, o, &org.Profile{EmailDomains: []org.EmailDomain{{Domain: "riverside.example"}}}); err != nil {
			t.Fatal(err)
		}
		quiet := riverside2(t, s) // lists no domain: never probed
		bs := &blob.Store{Backend: blob.Database{Rows: s}, Sealer: vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})}
		e, err := jobs.New(jobs.Config{Store: s, Blobs: bs, Work: true, PollInterval: 20 * time.Millisecond, EmailEvery: time.Hour,
			Email: &emailsec.Service{Resolver: z.Addr, Timeout: dnstest.Timeout, Reach: mailcheck.Probe{Timeout: dnstest.Timeout}},
			Log:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Stop(context.Background()) })
		var probes []*store.EmailProbe
		for deadline := time.Now().Add(time.Minute); len(probes) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if probes, err = sc.EmailProbes(ctx); err != nil {
				t.Fatal(err)
			}
		}
		wait(t, e)
		status := map[string]string{}
		for _, p := range probes {
			status[p.Check] = p.Status
		}
		if len(probes) != 6 || status["email.spf"] != "pass" || status["email.dmarc"] != "fail" || probes[0].Resolver != z.Addr {
			t.Fatalf("the probe: %v through %s", status, probes[0].Resolver)
		}
		results, err := sc.CheckResults(ctx)
		if err != nil {
			t.Fatal(err)
		}
		verdicts := map[string]string{}
		for _, r := range results {
			verdicts[r.Check.ID] = string(r.Status)
		}
		if verdicts["email.spf"] != "pass" || verdicts["email.dmarc"] != "fail" {
			t.Errorf("the checks that followed the probe: %v", verdicts)
		}
		if n := checkRuns(t, s, sc); n != 1 {
			t.Errorf("%d check runs after one probe", n)
		}
		if other, _ := quiet.EmailProbes(ctx); len(other) != 0 {
			t.Errorf("an organisation without email domains was probed: %d", len(other))
		}
		count := func() int {
			entries, err := s.AuditLog(ctx, store.AuditFilter{OrgID: o.ID, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.Action == "email.probe" {
					n++
				}
			}
			return n
		}
		// Probed within the hour: not due.
		if err := jobs.ProbeDueEmailForTest(e, ctx); err != nil {
			t.Fatal(err)
		}
		wait(t, e)
		if n := count(); n != 1 {
			t.Errorf("%d probes; a domain probed within the interval is not due", n)
		}
		// A domain added to the profile is due at once.
		if err := sc.SaveProfile(ctx, o, &org.Profile{EmailDomains: []org.EmailDomain{{Domain: "riverside.example"}, {Domain: "mail.riverside.example"}}}); err != nil {
			t.Fatal(err)
		}
		if err := jobs.ProbeDueEmailForTest(e, ctx); err != nil {
			t.Fatal(err)
		}
		wait(t, e)
		if n := count(); n != 2 {
			t.Errorf("%d probes; a domain added to the profile is due", n)
		}
	})
}

func riverside2(t *testing.T, s *store.Store) *store.Scoped {
	t.Helper()
	o := &org.Organization{Slug: "lakeside", Name: "Lakeside", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return s.Scope(o)
}
