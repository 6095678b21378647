package dataimport_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// bigIntune is an Intune device export of n devices (a hospital's), in
// the admin center's columns, with a roster of their users.
func bigIntune(n int, seed string) []byte {
	var b strings.Builder
	b.WriteString("\ufeffDevice ID,Device name,Enrollment date,Last check-in,OS version,Serial number,Manufacturer,Model,Primary user UPN,Primary user email address,Primary user display name,Compliance,Managed by,Ownership,Encrypted,OS,SkuFamily,JoinType\n")
	versions := []string{"10.0.26200.7171", "10.0.26100.2314", "10.0.19045.6456", "10.0.22631.4460"}
	for i := range n {
		enc := "True"
		if i%17 == 0 {
			enc = "False"
		}
		fmt.Fprintf(&b, "%s-%08d,WS-%06d,2025-01-%02d 10:00:00.0000000,2026-11-%02d 08:30:00.0000000,%s,SN%08d,Dell Inc.,Latitude 5450,user%06d@hospital.example,user%06d@hospital.example,User %d,Compliant,Intune,Corporate,%s,Windows,Enterprise,Azure AD joined\n",
			seed, i, i, 1+i%28, 1+i%28, versions[i%len(versions)], i, i, i, i, enc)
	}
	return []byte(b.String())
}

func benchHospital(b *testing.B, people int) *store.Scoped {
	s := storetest.SQLite(b)
	ctx := context.Background()
	o := &org.Organization{Slug: "hospital", Name: "Hospital", EntityType: org.Provider, WorkforceSize: people, Sites: 3}
	if err := s.CreateOrganization(ctx, o); err != nil {
		b.Fatal(err)
	}
	sc := s.Scope(o)
	for i := range people {
		if err := sc.SavePerson(ctx, &workforce.Person{EmployeeID: fmt.Sprint(i), Name: fmt.Sprintf("User %d", i), Email: fmt.Sprintf("user%06d@hospital.example", i), Start: "2020-01-01"}, nil); err != nil {
			b.Fatal(err)
		}
	}
	return sc
}

// cpuClock reports, when stopped, the process's CPU time (user and
// system) per iteration beside the benchmark's wall time: this machine is
// shared, and an import's wall time includes waiting for the disk.
func cpuClock(b *testing.B) (stop func()) {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64((cpu()-start).Milliseconds())/float64(b.N), "cpu-ms/op") }
}

// BenchmarkReadDevices is the floor of a device export's import: reading
// its 10,000 devices, storing nothing. Compare with
// BenchmarkImportDevices:
//
//	go test ./internal/dataimport -run XXX -bench Devices -benchtime 5x -count 3
func BenchmarkReadDevices(b *testing.B) {
	data := bigIntune(10000, "floor")
	b.SetBytes(int64(len(data)))
	defer cpuClock(b)()
	for b.Loop() {
		if _, err := ingest.ReadDevices("bench.csv", strings.NewReader(string(data)), ingest.FormatIntune, func(*ingest.Device) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImportDevices imports the same export through the pipeline into
// SQLite (the devices of Intune replaced, each user matched against a
// roster of 10,000) and runs the device checks over them.
func BenchmarkImportDevices(b *testing.B) {
	sc := benchHospital(b, 10000)
	ctx := context.Background()
	dir := b.TempDir()
	i := 0
	var imp, chk time.Duration
	defer func() {
		b.ReportMetric(float64(imp.Milliseconds())/float64(b.N), "import-ms/op")
		b.ReportMetric(float64(chk.Milliseconds())/float64(b.N), "checks-ms/op")
	}()
	b.SetBytes(int64(len(bigIntune(10000, "size"))))
	defer cpuClock(b)()
	for b.Loop() {
		b.StopTimer()
		i++
		path := filepath.Join(dir, fmt.Sprintf("devices%d.csv", i))
		os.WriteFile(path, bigIntune(10000, fmt.Sprintf("r%d", i)), 0o600)
		b.StartTimer()
		t0 := time.Now()
		out, err := dataimport.File(ctx, dataimport.Request{Path: path, Scope: func() (*store.Scoped, error) { return sc, nil }})
		if err != nil {
			b.Fatal(err)
		}
		if out.Records != 10000 || out.Matched != 10000 {
			b.Fatalf("%d devices, %d matched", out.Records, out.Matched)
		}
		imp += time.Since(t0)
		t0 = time.Now()
		rs, err := checkrun.DeviceResults(ctx, sc, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), nil)
		if err != nil {
			b.Fatal(err)
		}
		chk += time.Since(t0)
		if rs[0].Counts["not_encrypted"] != 589 || rs[0].RecordCount != 589 || rs[2].Counts["unsupported"] != 5000 {
			b.Fatalf("crypto.devices: %v; config.os-support: %v", rs[0].Counts, rs[2].Counts)
		}
	}
}

// BenchmarkDeviceChecks runs the three device checks over the 10,000
// devices of one import (5,589 of them counted against by a check): the
// checks read the counts the import kept and the failing devices only.
func BenchmarkDeviceChecks(b *testing.B) {
	sc := benchHospital(b, 10000)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "devices.csv")
	os.WriteFile(path, bigIntune(10000, "checks"), 0o600)
	if _, err := dataimport.File(ctx, dataimport.Request{Path: path, Scope: func() (*store.Scoped, error) { return sc, nil }}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rs, err := checkrun.DeviceResults(ctx, sc, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), nil)
		if err != nil {
			b.Fatal(err)
		}
		if rs[0].RecordCount != 589 || rs[2].RecordCount != 5000 {
			b.Fatalf("%d, %d records", rs[0].RecordCount, rs[2].RecordCount)
		}
	}
}
