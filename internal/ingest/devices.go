package ingest

import (
	"fmt"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// The device-management exports Safeguard reads: what each managed device
// is, its operating system, whether its disk is encrypted, when it last
// checked in, its primary user and, where the export says, whether it
// runs endpoint detection and response.
const (
	// FormatIntune is Microsoft Intune's device list: the admin center's
	// Devices > All devices > Export (its CSV headers: "Device name",
	// "OS", "OS version", "Encrypted", "Last check-in", "Primary user
	// UPN"…), the same report through the Graph export API
	// (reportName "Devices": DeviceName, OS, OSVersion, LastContact, UPN,
	// DeviceId), or Graph's managedDevice properties exported to CSV
	// (deviceName, operatingSystem, osVersion, isEncrypted,
	// lastSyncDateTime, userPrincipalName).
	FormatIntune = "intune-devices"
	// FormatJamf is a Jamf Pro computer inventory export (an advanced
	// computer search or the inventory, exported as CSV): "Computer Name",
	// "Serial Number", "Operating System Version", "FileVault 2 Status",
	// "Last Check-in", "Username", "Email Address".
	FormatJamf = "jamf-computers"
	// FormatDevices is Safeguard's generic device CSV, for any other
	// device manager or a spreadsheet, documented in the README.
	FormatDevices = "devices"
)

// KindDevices is a format whose records are managed devices.
const KindDevices Kind = "devices"

// MaxDeviceBytes bounds a device export.
const MaxDeviceBytes = 1 << 30

// A Device is one managed device, in the form every export is normalised
// to. Days are YYYY-MM-DD, "" when the export does not say.
type Device struct {
	Line       int    `json:"line"`
	ID         string `json:"id,omitempty"` // the device manager's own id
	Name       string `json:"name"`
	Serial     string `json:"serial,omitempty"`
	OS         string `json:"os"` // windows, macos, ios, ipados, android, linux, or as the export says
	OSVersion  string `json:"os_version,omitempty"`
	Encrypted  Tri    `json:"encrypted"`
	Encryption string `json:"encryption,omitempty"` // what the export says of it: True, FileVault 2 Status…
	LastSeen   string `json:"last_seen,omitempty"`
	User       string `json:"user,omitempty"`       // the primary user's UPN or email
	UserEmail  string `json:"user_email,omitempty"` // the primary user's email, when apart
	UserName   string `json:"user_name,omitempty"`  // display name
	EDR        Tri    `json:"edr"`
	EDRProduct string `json:"edr_product,omitempty"`
	Ownership  string `json:"ownership,omitempty"`
	Compliance string `json:"compliance,omitempty"`
	Model      string `json:"model,omitempty"`
	Edition    string `json:"edition,omitempty"` // Windows: Enterprise, Pro, LTSC…, as the export says
}

// DevicesInfo is what a device export says of itself once read.
type DevicesInfo struct {
	Format  string
	Records int
	SHA256  string
	Size    int64
	Unused  []string // columns Safeguard does not read
}

var deviceColumns = map[string][]column{
	FormatIntune: {
		{field: "name", names: []string{"Device name", "DeviceName"}, required: true},
		{field: "id", names: []string{"Device ID", "DeviceId", "id"}},
		{field: "serial", names: []string{"Serial number", "SerialNumber"}},
		{field: "os", names: []string{"OS", "operatingSystem"}},
		{field: "osversion", names: []string{"OS version", "OSVersion"}},
		{field: "encrypted", names: []string{"Encrypted", "EncryptionStatusString", "isEncrypted"}},
		{field: "lastseen", names: []string{"Last check-in", "LastContact", "lastSyncDateTime"}},
		{field: "user", names: []string{"Primary user UPN", "UPN", "userPrincipalName"}},
		{field: "email", names: []string{"Primary user email address", "UserEmail", "emailAddress"}},
		{field: "username", names: []string{"Primary user display name", "UserName", "userDisplayName"}},
		{field: "ownership", names: []string{"Ownership", "ownerType", "managedDeviceOwnerType"}},
		{field: "compliance", names: []string{"Compliance", "CompliantState", "complianceState"}},
		{field: "model", names: []string{"Model"}},
		{field: "edition", names: []string{"SkuFamily"}},
	},
	FormatJamf: {
		{field: "name", names: []string{"Computer Name"}, required: true},
		{field: "id", names: []string{"JSS Computer ID", "Jamf Pro Computer ID"}},
		{field: "serial", names: []string{"Serial Number"}},
		{field: "os", names: []string{"Operating System"}},
		{field: "osversion", names: []string{"Operating System Version"}},
		{field: "encrypted", names: []string{"FileVault 2 Status"}},
		{field: "lastseen", names: []string{"Last Check-in"}},
		{field: "user", names: []string{"Username"}},
		{field: "email", names: []string{"Email Address"}},
		{field: "username", names: []string{"Full Name"}},
		{field: "model", names: []string{"Model"}},
	},
	FormatDevices: {
		{field: "name", names: []string{"device"}, required: true},
		{field: "os", names: []string{"os"}, required: true},
		{field: "id", names: []string{"device_id"}},
		{field: "serial", names: []string{"serial"}},
		{field: "osversion", names: []string{"os_version"}},
		{field: "encrypted", names: []string{"encrypted"}},
		{field: "encryption", names: []string{"encryption"}},
		{field: "lastseen", names: []string{"last_seen"}},
		{field: "user", names: []string{"user"}},
		{field: "username", names: []string{"user_name"}},
		{field: "edr", names: []string{"edr"}},
		{field: "ownership", names: []string{"ownership"}},
		{field: "model", names: []string{"model"}},
		{field: "edition", names: []string{"edition"}},
	},
}

var deviceLabels = map[string]string{
	FormatIntune:  "Microsoft Intune device export",
	FormatJamf:    "Jamf Pro computer inventory export",
	FormatDevices: "Safeguard device CSV",
}

// intuneCSVHeader, jamfCSVHeader and devicesCSVHeader recognise the
// exports by their first line.
func intuneCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 1, func(has map[string]bool) bool {
		return has["devicename"] && (has["primaryuserupn"] || has["lastcheckin"] || has["upn"] && has["lastcontact"] || has["managedby"] && has["osversion"])
	})
}

func jamfCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 1, func(has map[string]bool) bool {
		return has["computername"] && (has["filevault2status"] || has["lastcheckin"] || has["operatingsystemversion"])
	})
}

func devicesCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 1, func(has map[string]bool) bool {
		return has["device"] && has["os"]
	})
}

// ReadDevices streams a device export of the format, handing each device
// to emit. A row without a device name, or a device given twice (by its
// id, or its name and serial number), is named by line and column, and
// the file refused whole.
func ReadDevices(file string, r io.Reader, format string, emit func(*Device) error) (_ *DevicesInfo, err error) {
	cols, ok := deviceColumns[format]
	if !ok {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: %s is not a device export", file, format))
	}
	t, err := openCSV(file, r, cols, deviceLabels[format], MaxDeviceBytes, 0)
	if err != nil {
		return nil, err
	}
	defer t.in.refused(&err)
	info := &DevicesInfo{Format: format, Unused: t.unused()}
	seen := map[string]int{}
	for {
		rec, more, err := t.next()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		if blankRow(rec) {
			continue
		}
		d := &Device{Line: t.line, Name: t.get(rec, "name"), ID: t.get(rec, "id"), Serial: t.get(rec, "serial"),
			OSVersion: t.get(rec, "osversion"), User: t.get(rec, "user"), UserEmail: t.get(rec, "email"), UserName: t.get(rec, "username"),
			Ownership: t.get(rec, "ownership"), Compliance: t.get(rec, "compliance"), Model: t.get(rec, "model"), Edition: t.get(rec, "edition")}
		if d.Name == "" {
			t.fail("name", "the device has no name")
			continue
		}
		key := "id:" + strings.ToLower(d.ID)
		if d.ID == "" {
			key = "name:" + strings.ToLower(d.Name) + "|" + strings.ToLower(d.Serial)
		}
		if first, dup := seen[key]; dup {
			t.fail("name", fmt.Sprintf("%s appears twice (first on line %d)", d.Name, first))
			continue
		}
		seen[key] = t.line
		os := t.get(rec, "os")
		d.OS = osFamily(os, d.OSVersion, format)
		if d.Edition == "" && d.OS == "windows" {
			d.Edition = windowsEdition(os) // "Windows 10 Enterprise LTSC"
		}
		if d.OS == "" {
			t.fail("os", "the device's operating system is not said")
			continue
		}
		enc := t.get(rec, "encrypted")
		d.Encryption = strings.TrimSpace(enc + " " + t.get(rec, "encryption"))
		d.Encrypted = encryptedOf(enc)
		if d.Encrypted == Unknown && format == FormatDevices && t.get(rec, "encryption") != "" {
			d.Encrypted = encryptedOf(t.get(rec, "encryption"))
		}
		if enc != "" && d.Encrypted == Unknown && !strings.EqualFold(enc, "unknown") {
			t.fail("encrypted", fmt.Sprintf("%q is not yes or no (true, false, Encrypted, Not Encrypted)", enc))
			continue
		}
		if s := t.get(rec, "lastseen"); s != "" {
			day, ok := parseDay(s)
			if !ok {
				t.fail("lastseen", fmt.Sprintf("%q is not a date", s))
				continue
			}
			d.LastSeen = day
		}
		if e := t.get(rec, "edr"); e != "" {
			if b, ok := parseBool(e); ok {
				d.EDR = TriOf(b)
			} else if strings.EqualFold(e, "none") {
				d.EDR = No
			} else {
				d.EDR, d.EDRProduct = Yes, e // the product's name
			}
		}
		if err := emit(d); err != nil {
			return nil, err
		}
		info.Records++
	}
	if err := t.err(); err != nil {
		return nil, err
	}
	info.SHA256, info.Size = t.in.sum(), t.in.n
	return info, nil
}

// deviceReader is ReadDevices of one format.
func deviceReader(format string) func(string, io.Reader, func(*Device) error) (*DevicesInfo, error) {
	return func(file string, r io.Reader, emit func(*Device) error) (*DevicesInfo, error) {
		return ReadDevices(file, r, format, emit)
	}
}

// encryptedOf reads what exports say of a disk's encryption: Intune's
// True/False (or "Encrypted"/"Not encrypted"), Jamf's FileVault 2 Status
// ("All Partitions Encrypted", "Boot Partitions Encrypted", "Not
// Encrypted", "Some Partitions Encrypted", "Encrypting"), yes/no, or the
// name of the encryption (BitLocker, FileVault). Partly encrypted, or
// still encrypting, is not encrypted.
func encryptedOf(s string) Tri {
	low := strings.ToLower(strings.TrimSpace(s))
	switch {
	case low == "":
		return Unknown
	case strings.Contains(low, "not") || strings.Contains(low, "some") || strings.Contains(low, "encrypting") || strings.Contains(low, "decrypt") || strings.Contains(low, "unencrypted") || low == "none":
		return No
	case strings.Contains(low, "encrypted") || low == "bitlocker" || low == "filevault" || low == "filevault 2" || low == "luks" || low == "dm-crypt":
		return Yes
	}
	if b, ok := parseBool(low); ok {
		return TriOf(b)
	}
	return Unknown
}

// windowsEdition is the edition an operating system's name gives, if any.
func windowsEdition(os string) string {
	low := strings.ToLower(os)
	for _, e := range []string{"iot enterprise ltsc", "enterprise ltsc", "ltsc", "enterprise", "education", "pro", "home"} {
		if strings.Contains(low, e) {
			return e
		}
	}
	return ""
}

// osFamily names a device's operating system family from what the export
// says (Jamf's computers are Macs when it does not say).
func osFamily(os, version, format string) string {
	low := strings.ToLower(strings.TrimSpace(os))
	switch {
	case low == "" && format == FormatJamf:
		return "macos"
	case strings.HasPrefix(low, "windows"):
		return "windows"
	case strings.HasPrefix(low, "macos") || strings.HasPrefix(low, "mac os") || strings.HasPrefix(low, "os x"):
		return "macos"
	case strings.HasPrefix(low, "ipados"):
		return "ipados"
	case strings.HasPrefix(low, "ios"):
		return "ios"
	case strings.HasPrefix(low, "android"):
		return "android"
	case strings.HasPrefix(low, "linux") || strings.HasPrefix(low, "ubuntu") || strings.HasPrefix(low, "red hat") || strings.HasPrefix(low, "rhel"):
		return "linux"
	case strings.HasPrefix(low, "chrome"):
		return "chromeos"
	}
	return low
}
