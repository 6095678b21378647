package ingest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

func readDevices(t *testing.T, format, name string) ([]*ingest.Device, *ingest.DevicesInfo) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*ingest.Device
	info, err := ingest.ReadDevices(name, f, format, func(d *ingest.Device) error { out = append(out, d); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out, info
}

func byName(ds []*ingest.Device) map[string]*ingest.Device {
	m := map[string]*ingest.Device{}
	for _, d := range ds {
		m[d.Name] = d
	}
	return m
}

// Intune's export (the admin center's columns, with its byte-order mark
// and its seven-digit fractions of a second), Jamf Pro's and the generic
// CSV, each device normalised: operating system family, encryption,
// last check-in as a day, primary user.
func TestReadDevices(t *testing.T) {
	ds, info := readDevices(t, ingest.FormatIntune, "intune-devices.csv")
	if info.Records != 8 || len(ds) != 8 || len(info.Unused) == 0 {
		t.Fatalf("Intune: %d devices, unused %v", info.Records, info.Unused)
	}
	m := byName(ds)
	if d := m["RFC-LT-07"]; d == nil || d.OS != "windows" || d.OSVersion != "10.0.22631.4460" || d.Encrypted != ingest.No || d.LastSeen != "2026-11-28" ||
		d.User != "priya.shah@riverside.example" || d.UserName != "Priya Shah" || d.Serial != "5CD3451XYZ" || d.Compliance != "Noncompliant" || d.EDR != ingest.Unknown {
		t.Errorf("RFC-LT-07: %+v", d)
	}
	if d := m["Sam Patel MacBook Air"]; d == nil || d.OS != "macos" || d.Encrypted != ingest.Yes {
		t.Errorf("the Mac: %+v", d)
	}
	if d := m["iPhone of Olivia"]; d == nil || d.OS != "ios" {
		t.Errorf("the iPhone: %+v", d)
	}
	if d := m["Galaxy Tab A8"]; d == nil || d.OS != "android" || d.User != "" {
		t.Errorf("the tablet: %+v", d)
	}

	ds, info = readDevices(t, ingest.FormatJamf, "jamf-computers.csv")
	m = byName(ds)
	if info.Records != 4 || m["Front Desk iMac"].Encrypted != ingest.Yes || m["Exam 2 MacBook"].Encrypted != ingest.Yes ||
		m["Billing MacBook Pro"].Encrypted != ingest.No || m["Loaner MacBook"].Encrypted != ingest.No {
		t.Errorf("Jamf: %d devices, %+v", info.Records, ds)
	}
	if d := m["Billing MacBook Pro"]; d.OS != "macos" || d.OSVersion != "12.7.6" || d.User != "tomas.reyes" || d.UserEmail != "tomas.reyes@riverside.example" || d.ID != "16" || d.LastSeen != "2026-11-30" {
		t.Errorf("the billing Mac: %+v", d)
	}

	ds, _ = readDevices(t, ingest.FormatDevices, "devices.csv")
	m = byName(ds)
	if d := m["ultrasound-ws"]; d.EDR != ingest.Yes || d.EDRProduct != "Microsoft Defender for Endpoint" || d.Encrypted != ingest.Yes || d.Encryption != "yes BitLocker" {
		t.Errorf("the ultrasound workstation: %+v", d)
	}
	if d := m["lab-pc-01"]; d.EDR != ingest.No || d.Encrypted != ingest.No {
		t.Errorf("the lab PC: %+v", d)
	}
	if d := m["pacs-server"]; d.OS != "linux" || d.EDR != ingest.Yes || d.EDRProduct != "" {
		t.Errorf("the PACS server: %+v", d)
	}
}

// A device export with a bad row is refused whole, naming the line and
// column.
func TestDevicesRefused(t *testing.T) {
	for _, c := range []struct {
		format, in, want string
	}{
		{ingest.FormatDevices, "device,os,encrypted\nlab-1,Windows,maybe\n", `line 2, column "encrypted": "maybe" is not yes or no`},
		{ingest.FormatDevices, "device,os\nlab-1,Windows\nLAB-1,Windows\n", `line 3, column "device": LAB-1 appears twice (first on line 2)`},
		{ingest.FormatDevices, "device,os\n,Windows\n", `line 2, column "device": the device has no name`},
		{ingest.FormatDevices, "device,os\nlab-1,\n", `line 2, column "os": the device's operating system is not said`},
		{ingest.FormatDevices, "device,os,last_seen\nlab-1,Windows,yesterday\n", `line 2, column "last_seen": "yesterday" is not a date`},
		{ingest.FormatDevices, "name,platform\nlab-1,Windows\n", `no column "device"`},
		{ingest.FormatJamf, "Computer Name,FileVault 2 Status\nA,Encrypted\nA,Encrypted\n", "appears twice"},
	} {
		n := 0
		_, err := ingest.ReadDevices("devices.csv", strings.NewReader(c.in), c.format, func(*ingest.Device) error { n++; return nil })
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), c.want) || !strings.Contains(errs.Message(err), "devices.csv") {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
}

func FuzzReadDevices(f *testing.F) {
	for _, name := range []string{"intune-devices.csv", "jamf-computers.csv", "devices.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []string{ingest.FormatIntune, ingest.FormatJamf, ingest.FormatDevices} {
			n := 0
			info, err := ingest.ReadDevices("fuzz.csv", bytes.NewReader(b), format, func(d *ingest.Device) error {
				if d.Name == "" || d.OS == "" {
					t.Errorf("a device without its name or system: %+v", d)
				}
				n++
				return nil
			})
			if err == nil && info.Records != n {
				t.Errorf("%d records, %d emitted", info.Records, n)
			}
		}
	})
}
