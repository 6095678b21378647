package checkrun_test

import (
	"context"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// The three device exports imported through the pipeline, their users
// matched to the roster, and the device checks judged from them on a
// fixed day: the unencrypted disks, the devices without EDR and the
// operating systems past their vendor's support, each named with why.
func TestDeviceChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider, WorkforceSize: 20, Sites: 1}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		for i, p := range []struct{ name, email string }{{"Maria Lopez", "maria.lopez@riverside.example"}, {"Tomas Reyes", "Tomas.Reyes@riverside.example"}, {"Priya Shah", "priya.shah@riverside.example"}} {
			if err := sc.SavePerson(ctx, &workforce.Person{EmployeeID: string(rune('1' + i)), Name: p.name, Email: p.email, Start: "2020-01-01"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		scope := func() (*store.Scoped, error) { return sc, nil }
		matched := 0
		for _, name := range []string{"intune-devices.csv", "jamf-computers.csv", "devices.csv"} {
			out, err := dataimport.File(ctx, dataimport.Request{Path: filepath.Join("..", "ingest", "testdata", name), Scope: scope})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			matched += out.Matched
		}
		if n, _ := sc.DeviceCount(ctx); n != 17 || matched != 4 { // Maria twice (Intune and Jamf), Tomas (by Jamf's email), Priya
			t.Errorf("%d devices, %d matched", n, matched)
		}
		day := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		results, err := checkrun.Evaluate(ctx, sc, day)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*check.Result{}
		for _, r := range results {
			got[r.Check.ID] = r
		}
		labels := func(r *check.Result, weight int) []string {
			var out []string
			for _, rec := range r.Records {
				if rec.Weight == weight {
					out = append(out, strings.SplitN(rec.Label, " (", 2)[0])
				}
			}
			slices.Sort(out)
			return out
		}
		enc := got["crypto.devices"]
		if enc.GoalStatus != assessment.NotMet || strings.Join(labels(enc, 3), ",") != "Billing MacBook Pro,Galaxy Tab A8,Loaner MacBook,RFC-LT-07,lab-pc-01,old-reception-pc" ||
			enc.Counts["encrypted"] != 11 || enc.Counts["not_encrypted"] != 6 {
			t.Errorf("crypto.devices: %s %v %v %q", enc.GoalStatus, enc.Counts, labels(enc, 3), enc.Detail)
		}
		edr := got["endpoint.edr"]
		if edr.GoalStatus != assessment.NotMet || strings.Join(labels(edr, 3), ",") != "lab-pc-01,old-reception-pc" || edr.Counts["not_reported"] != 12 {
			t.Errorf("endpoint.edr: %s %v %v", edr.GoalStatus, edr.Counts, labels(edr, 3))
		}
		os := got["config.os-support"]
		want := "Billing MacBook Pro,Galaxy Tab A8,Loaner MacBook,RFC-FD-02,RFC-LT-07,RFC-XRAY-WS,dr-home-laptop,old-reception-pc,ultrasound-ws"
		if os.GoalStatus != assessment.NotMet || strings.Join(labels(os, 3), ",") != want || os.Counts["not_judged"] != 1 {
			t.Errorf("config.os-support: %s %v\n got %v\nwant %s", os.GoalStatus, os.Counts, labels(os, 3), want)
		}
		for _, rec := range os.Records {
			if strings.HasPrefix(rec.Label, "old-reception-pc") && !strings.Contains(rec.Reason, "Windows 7") {
				t.Errorf("the Windows 7 PC: %q", rec.Reason)
			}
		}
		if !strings.Contains(os.Detail, "as of 2026-08-22") {
			t.Errorf("the list's date is not said: %q", os.Detail)
		}

		// A new Jamf export replaces Jamf's devices, not the others'.
		out, err := dataimport.File(ctx, dataimport.Request{Name: "jamf.csv", Format: "jamf-computers", Scope: scope,
			Open: openString("Computer Name,Operating System Version,FileVault 2 Status\nFront Desk iMac,15.1.1,All Partitions Encrypted\n")})
		if err != nil || out.Replaced != 4 || out.Records != 1 {
			t.Fatalf("a new Jamf export: %+v %v", out, err)
		}
		if n, _ := sc.DeviceCount(ctx); n != 14 {
			t.Errorf("%d devices after Jamf's new export", n)
		}
	})
}

func openString(s string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

// Devices judged against another list of vendors' support than the one
// shipped (an older Safeguard's, or none: imported before the ends were
// kept) are judged again by the checks, not by what was kept: here every
// kept end says "ongoing", and the checks still find the same releases
// past their end.
func TestDeviceChecksJudgeAgainstTheShippedList(t *testing.T) {
	path := storetest.SQLitePath(t)
	s := storetest.SQLiteAt(t, path)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider, WorkforceSize: 20, Sites: 1}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	sc := s.Scope(o)
	for _, name := range []string{"intune-devices.csv", "jamf-computers.csv", "devices.csv"} {
		if _, err := dataimport.File(ctx, dataimport.Request{Path: filepath.Join("..", "ingest", "testdata", name), Scope: func() (*store.Scoped, error) { return sc, nil }}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	day := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	judge := func() *check.Result {
		rs, err := checkrun.DeviceResults(ctx, sc, day, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rs[2]
	}
	kept := judge()
	if kept.Counts["unsupported"] != 9 || kept.RecordCount != 9 || kept.Counts["supported"] != 7 || kept.Counts["not_judged"] != 1 {
		t.Fatalf("config.os-support from the kept ends: %v, %d records", kept.Counts, kept.RecordCount)
	}
	db, err := store.OpenSQLiteFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE devices SET os_support = 'ongoing', os_list = '2024-01-01'`,
		`DELETE FROM device_counts`,
		`INSERT INTO device_counts (org_id, source, encrypted, edr, os_support, os_list, devices)
		 SELECT org_id, source, encrypted, edr, os_support, os_list, COUNT(*) FROM devices GROUP BY org_id, source, encrypted, edr, os_support, os_list`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	again := judge()
	if !maps.Equal(again.Counts, kept.Counts) || again.RecordCount != kept.RecordCount || again.Detail != kept.Detail {
		t.Errorf("judged again: %v %d %q\n   as kept: %v %d %q", again.Counts, again.RecordCount, again.Detail, kept.Counts, kept.RecordCount, kept.Detail)
	}
}
