package checkrun

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/lifecycle"
)

// DeviceSource is where the device checks read the devices.
type DeviceSource interface {
	DeviceGroups(ctx context.Context) ([]check.DeviceGroup, error)
	EachDeviceToJudge(ctx context.Context, sel check.DevicesToJudge, fn func(*check.Device) error) error
}

// DeviceResults judges the device checks (crypto.devices, endpoint.edr,
// config.os-support) on now: the devices counted by the counts the
// imports keep, and only the devices a check counts against read one by
// one, handed to sink when there is one, so that a run over a hospital's
// devices neither reads nor holds the rest.
func DeviceResults(ctx context.Context, src DeviceSource, now time.Time, sink RecordSink) ([]*check.Result, error) {
	groups, err := src.DeviceGroups(ctx)
	if err != nil {
		return nil, err
	}
	dv := NewDevices(now, groups)
	if sink != nil {
		dv.SendTo(sink)
	}
	if err := src.EachDeviceToJudge(ctx, dv.ToJudge(), func(d *check.Device) error { dv.Add(d); return dv.Err() }); err != nil {
		return nil, err
	}
	return dv.Results(), nil
}

// Devices judges the device checks from the counts of the devices and the
// devices the counts single out.
type Devices struct {
	now     time.Time
	sink    RecordSink
	err     error
	devices int
	enc     map[string]int // yes, no, "" (not said)
	edr     map[string]int
	os      map[string]int // supported, unsupported, unjudged
	past    []string       // the ends of support passed on now
	records map[string][]check.Record
	count   map[string]int
	// the first few names of each verdict, for the detail
	names map[string][]string
}

// NewDevices starts judging on now from the counts of the devices: their
// operating systems by the end of support kept at import, except those
// judged against another list than the one shipped, which Add judges
// again as it meets them.
func NewDevices(now time.Time, groups []check.DeviceGroup) *Devices {
	v := &Devices{now: now, enc: map[string]int{}, edr: map[string]int{}, os: map[string]int{},
		records: map[string][]check.Record{}, count: map[string]int{}, names: map[string][]string{}}
	for _, g := range groups {
		v.devices += g.Devices
		v.enc[g.Encrypted] += g.Devices
		v.edr[g.EDR] += g.Devices
		switch {
		case g.OSList != lifecycle.AsOf:
		case g.OSSupport == "":
			v.os["unjudged"] += g.Devices
		case lifecycle.Past(g.OSSupport, now):
			v.os["unsupported"] += g.Devices
			if !slices.Contains(v.past, g.OSSupport) {
				v.past = append(v.past, g.OSSupport)
			}
		default:
			v.os["supported"] += g.Devices
		}
	}
	return v
}

// ToJudge names the devices Add must meet: besides those not encrypted,
// not saying or without EDR, those past their end of support and those
// judged against another list.
func (v *Devices) ToJudge() check.DevicesToJudge {
	return check.DevicesToJudge{Past: v.past, List: lifecycle.AsOf}
}

// SendTo hands the records to sink as they are found.
func (v *Devices) SendTo(sink RecordSink) { v.sink = sink }

// Err is the sink's first error.
func (v *Devices) Err() error { return v.err }

func (v *Devices) record(checkID string, rec check.Record) {
	v.count[checkID]++
	if len(v.names[checkID]) < 5 {
		v.names[checkID] = append(v.names[checkID], rec.Label)
	}
	if v.sink != nil {
		if v.err == nil {
			v.err = v.sink(checkID, rec)
		}
		return
	}
	v.records[checkID] = append(v.records[checkID], rec)
}

// label names a device with its user.
func label(d *check.Device) string {
	l := d.Name
	switch {
	case d.UserName != "":
		l += " (" + d.UserName + ")"
	case d.User != "":
		l += " (" + d.User + ")"
	}
	return l
}

// Add judges one device ToJudge named: it gives the records of what it
// fails (the counts have counted it), and counts the verdict on its
// operating system when it was judged against another list.
func (v *Devices) Add(d *check.Device) {
	seen := ""
	if d.LastSeen != "" {
		seen = ", last checked in " + d.LastSeen
	}
	from := " (" + d.Source + seen + ")"
	switch d.Encrypted {
	case "yes":
	case "no":
		why := "its disk is not encrypted"
		if d.Encryption != "" {
			why += ": the export says " + fmt.Sprintf("%q", d.Encryption)
		}
		v.record("crypto.devices", check.Record{Kind: "device", ID: d.ID, Label: label(d), Reason: why + from, Weight: 3})
	default:
		v.record("crypto.devices", check.Record{Kind: "device", ID: d.ID, Label: label(d), Reason: "the export does not say whether its disk is encrypted" + from, Weight: 1})
	}
	if d.EDR == "no" {
		v.record("endpoint.edr", check.Record{Kind: "device", ID: d.ID, Label: label(d), Reason: "no endpoint detection and response runs on it" + from, Weight: 3})
	}
	stale := d.OSList != lifecycle.AsOf
	if !stale && !lifecycle.Past(d.OSSupport, v.now) {
		return
	}
	verdict := lifecycle.Judge(d.OS, d.OSVersion, d.Edition, v.now)
	if stale {
		switch {
		case !verdict.Known:
			v.os["unjudged"]++
		case verdict.Supported:
			v.os["supported"]++
		default:
			v.os["unsupported"]++
		}
	}
	if verdict.Known && !verdict.Supported {
		v.record("config.os-support", check.Record{Kind: "device", ID: d.ID, Label: label(d), Reason: verdict.Reason + " (" + d.OSVersion + ")" + from, Weight: 3})
	}
}

// Results gives the three checks' results.
func (v *Devices) Results() []*check.Result {
	var out []*check.Result
	for _, id := range []string{"crypto.devices", "endpoint.edr", "config.os-support"} {
		c, _ := check.ByID(id)
		r := &check.Result{Check: c, Counts: map[string]int{"devices": v.devices}, Records: v.records[id]}
		if r.Records == nil {
			r.Records = []check.Record{}
		}
		r.RecordCount = v.count[id]
		names := strings.Join(v.names[id], ", ")
		if v.count[id] > len(v.names[id]) {
			names += fmt.Sprintf(" and %d more", v.count[id]-len(v.names[id]))
		}
		switch id {
		case "crypto.devices":
			r.Counts["encrypted"], r.Counts["not_encrypted"], r.Counts["not_reported"] = v.enc["yes"], v.enc["no"], v.enc[""]
			switch {
			case v.devices == 0:
				r.GoalStatus, r.Detail = assessment.Unknown, "no device export imported: import the device list of Intune, Jamf Pro or another manager (or Safeguard's device CSV)"
			case v.enc["no"] > 0:
				r.GoalStatus = assessment.NotMet
				r.Detail = fmt.Sprintf("%s of %d not encrypted: %s", plural(v.enc["no"], "device", "devices"), v.devices, names)
			case v.enc[""] > 0:
				r.GoalStatus = assessment.PartlyMet
				r.Detail = fmt.Sprintf("%d of %d devices encrypted; the exports do not say for %d", v.enc["yes"], v.devices, v.enc[""])
			default:
				r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("every one of %s encrypted", plural(v.devices, "device", "devices"))
			}
		case "endpoint.edr":
			r.Counts["edr"], r.Counts["no_edr"], r.Counts["not_reported"] = v.edr["yes"], v.edr["no"], v.edr[""]
			switch {
			case v.edr["yes"]+v.edr["no"] == 0:
				r.GoalStatus, r.Detail = assessment.Unknown, "no device export says whether endpoint detection and response runs (Intune's and Jamf Pro's device lists do not): import Safeguard's device CSV with its edr column"
			case v.edr["no"] > 0:
				r.GoalStatus = assessment.NotMet
				r.Detail = fmt.Sprintf("%s without EDR: %s", plural(v.edr["no"], "device", "devices"), names)
			case v.edr[""] > 0:
				r.GoalStatus = assessment.PartlyMet
				r.Detail = fmt.Sprintf("%d devices report EDR; the exports do not say for %d", v.edr["yes"], v.edr[""])
			default:
				r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("every one of %s reports EDR", plural(v.devices, "device", "devices"))
			}
		case "config.os-support":
			r.Counts["supported"], r.Counts["unsupported"], r.Counts["not_judged"] = v.os["supported"], v.os["unsupported"], v.os["unjudged"]
			asOf := fmt.Sprintf(" (the list of vendors' support as of %s)", lifecycle.AsOf)
			switch {
			case v.os["supported"]+v.os["unsupported"] == 0:
				r.GoalStatus, r.Detail = assessment.Unknown, "no device whose operating system the list of vendors' support knows"+asOf
			case v.os["unsupported"] > 0:
				r.GoalStatus = assessment.NotMet
				r.Detail = fmt.Sprintf("%s past their vendor's end of support: %s%s", plural(v.os["unsupported"], "device", "devices"), names, asOf)
			default:
				r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("%d devices on supported releases%s", v.os["supported"], asOf)
			}
			if v.os["unjudged"] > 0 {
				r.Detail += fmt.Sprintf("; %d not judged (a release the list does not know, or no version exported)", v.os["unjudged"])
			}
		}
		r.Status = verdict(r.GoalStatus)
		sortRecords(r.Records)
		out = append(out, r)
	}
	return out
}
