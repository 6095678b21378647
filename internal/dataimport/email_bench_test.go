package dataimport_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// bigReport is a gzip'd DMARC aggregate report of n records (a large
// receiver's day for a busy domain), each from its own source.
func bigReport(n int, id string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><feedback><report_metadata><org_name>bench.example</org_name><email>d@bench.example</email><report_id>%s</report_id>
<date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>
<policy_published><domain>riverside.example</domain><p>quarantine</p></policy_published>`, id, time.Now().Unix()-86400, time.Now().Unix())
	for i := range n {
		fmt.Fprintf(&b, `<record><row><source_ip>10.%d.%d.%d</source_ip><count>%d</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>riverside.example</header_from><envelope_from>riverside.example</envelope_from></identifiers>
<auth_results><dkim><domain>riverside.example</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>riverside.example</domain><result>softfail</result></spf></auth_results></record>
`, i>>16&255, i>>8&255, i&255, 1+i%7)
	}
	b.WriteString("</feedback>\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(b.String()))
	zw.Close()
	return gz.Bytes()
}

// BenchmarkReadDMARC is the floor of a report's import: unpacking and
// reading it, storing nothing. Compare with BenchmarkImportDMARC:
//
//	go test ./internal/dataimport -run XXX -bench DMARC -benchtime 5x -count 3
func BenchmarkReadDMARC(b *testing.B) {
	data := bigReport(20000, "floor")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, _, _, err := ingest.Unpack("bench.xml.gz", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ingest.ReadDMARC("bench.xml.gz", r, func(*ingest.DMARCRow) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImportDMARC imports the same report through the pipeline into
// SQLite: its records, the day's totals of each source, the audit entry.
func BenchmarkImportDMARC(b *testing.B) {
	s := storetest.SQLite(b)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
	if err := s.CreateOrganization(ctx, o); err != nil {
		b.Fatal(err)
	}
	sc := s.Scope(o)
	if err := sc.SaveProfile(ctx, o, &org.Profile{EmailDomains: []org.EmailDomain{{Domain: "riverside.example"}}}); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	i := 0
	b.SetBytes(int64(len(bigReport(20000, "size"))))
	for b.Loop() {
		b.StopTimer()
		i++
		path := filepath.Join(dir, fmt.Sprintf("r%d.xml.gz", i))
		os.WriteFile(path, bigReport(20000, fmt.Sprintf("r%d", i)), 0o600)
		b.StartTimer()
		if _, err := dataimport.File(ctx, dataimport.Request{Path: path, Scope: func() (*store.Scoped, error) { return sc, nil }}); err != nil {
			b.Fatal(err)
		}
	}
}
