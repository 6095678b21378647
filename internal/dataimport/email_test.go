package dataimport_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// Mail providers' reports land through the one pipeline: the public DMARC
// samples (plain and gzip) and the RFC 8460 TLS report sample, each
// recognised, stored whole with every source's messages counted apart
// from the raw files, in one transaction; the same report in another
// file changes nothing; a report about a domain the profile does not list
// is refused naming it, and nothing lands.
func TestEmailReportsImport(t *testing.T) {
	samples := filepath.Join("..", "..", "..", "shared", "data", "samples")
	files, _ := filepath.Glob(filepath.Join(samples, "dmarc", "*.xml*"))
	tls := filepath.Join(samples, "smtp_tls", "rfc8460.json")
	files = append(files, testdata("dmarc-report.xml"), testdata("smtp-tls-report.json"))
	if _, err := os.Stat(tls); err == nil {
		files = append(files, tls)
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc, scope := riverside(t, s)
		// Before the domains are in the profile: refused, naming the domain.
		_, err := dataimport.File(ctx, dataimport.Request{Path: testdata("dmarc-report.xml"), Scope: scope})
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "the report is about riverside.example, which is not an email domain of Riverside (its profile lists none)") {
			t.Fatalf("a report of a domain not in the profile: %v", err)
		}
		p, _ := sc.Profile(ctx)
		for _, d := range []string{"example.com", "indemed.com", "riverside.example", "company-y.example"} {
			p.EmailDomains = append(p.EmailDomains, org.EmailDomain{Domain: d})
		}
		if err := sc.SaveProfile(ctx, sc.Org(), p); err != nil {
			t.Fatal(err)
		}
		countRE := regexp.MustCompile(`<count>\s*(\d+)\s*</count>`)
		var want int64
		dmarcFiles := 0
		for _, path := range files {
			name := filepath.Base(path)
			out, err := dataimport.File(ctx, dataimport.Request{Path: path, Scope: scope})
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			raw, _ := os.ReadFile(path)
			if strings.HasSuffix(name, ".gz") {
				zr, _ := gzip.NewReader(bytes.NewReader(raw))
				var b bytes.Buffer
				b.ReadFrom(zr)
				raw = b.Bytes()
			}
			if out.Format == ingest.FormatDMARC {
				dmarcFiles++
				for _, m := range countRE.FindAllSubmatch(raw, -1) {
					n, _ := strconv.ParseInt(string(m[1]), 10, 64)
					want += n
				}
			}
			if !out.Fresh || out.Import == "" || len(out.Summary) == 0 {
				t.Errorf("%s: %+v", name, out)
			}
		}
		sources, err := sc.DMARCSources(ctx, "1970-01-01", "2100-01-01")
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		for _, src := range sources {
			got += src.Messages
		}
		if got != want || want == 0 {
			t.Errorf("%d messages stored from %d DMARC reports; the files count %d", got, dmarcFiles, want)
		}
		reports, _ := sc.DMARCReports(ctx, 100)
		if len(reports) != dmarcFiles {
			t.Errorf("%d reports stored of %d files", len(reports), dmarcFiles)
		}
		// Ours: 212 aligned from 198.51.100.25, 37 and 4 not.
		var ours *store.DMARCSource
		for _, src := range sources {
			if src.SourceIP == "198.51.100.25" {
				ours = src
			}
		}
		if ours == nil || ours.Domain != "riverside.example" || ours.Messages != 212 || ours.Passed != 212 || ours.DKIMPassed != 212 {
			t.Errorf("riverside.example's sender: %+v", ours)
		}
		totals, err := sc.TLSTotals(ctx, reports[len(reports)-1].Begin.AddDate(-50, 0, 0), reports[0].Begin.AddDate(50, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		var failures int64
		for _, tt := range totals {
			failures += tt.Failures
		}
		if _, err := os.Stat(tls); err == nil && failures != 6+303 {
			t.Errorf("TLS failures: %d, want 309 (%+v)", failures, totals)
		}

		// The same report in a gzip file: recognised as imported before.
		plain, _ := os.ReadFile(testdata("dmarc-report.xml"))
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(plain)
		zw.Close()
		path := filepath.Join(t.TempDir(), "mail.example!riverside.example!1764028800!1764115199.xml.gz")
		os.WriteFile(path, gz.Bytes(), 0o600)
		out, err := dataimport.File(ctx, dataimport.Request{Path: path, Scope: scope})
		if err != nil || out.Fresh || !strings.Contains(strings.Join(out.Summary, " "), "was imported before, from another file") {
			t.Errorf("the same report again: %+v %v", out, err)
		}
		if again, _ := sc.DMARCSources(ctx, "1970-01-01", "2100-01-01"); len(again) != len(sources) || sumMessages(again) != got {
			t.Errorf("the same report again changed the sources")
		}
		// A compressed file of another format is refused, naming why.
		var nessus bytes.Buffer
		zw = gzip.NewWriter(&nessus)
		b, _ := os.ReadFile(testdata("nessus-small.nessus"))
		zw.Write(b)
		zw.Close()
		path = filepath.Join(t.TempDir(), "scan.nessus.gz")
		os.WriteFile(path, nessus.Bytes(), 0o600)
		if _, err := dataimport.File(ctx, dataimport.Request{Path: path, Scope: scope}); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "scan.nessus.gz is compressed") {
			t.Errorf("a gzip'd Nessus file: %v", err)
		}
	})
}

func sumMessages(ss []*store.DMARCSource) int64 {
	var n int64
	for _, s := range ss {
		n += s.Messages
	}
	return n
}
