package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// Device is one managed device as the newest export of its source lists
// it, with the person of the roster it was matched to.
type Device struct {
	ID         string `json:"id"`
	Source     string `json:"source"` // the export's format
	ImportID   string `json:"import"`
	Name       string `json:"name"`
	Serial     string `json:"serial,omitempty"`
	OS         string `json:"os"`
	OSVersion  string `json:"os_version,omitempty"`
	Edition    string `json:"edition,omitempty"`
	Encrypted  string `json:"encrypted"` // yes, no, "" for not said
	Encryption string `json:"encryption,omitempty"`
	LastSeen   string `json:"last_seen,omitempty"`
	User       string `json:"user,omitempty"`
	UserEmail  string `json:"user_email,omitempty"`
	UserName   string `json:"user_name,omitempty"`
	PersonID   string `json:"person,omitempty"`
	EDR        string `json:"edr"` // yes, no, ""
	EDRProduct string `json:"edr_product,omitempty"`
	Ownership  string `json:"ownership,omitempty"`
	Compliance string `json:"compliance,omitempty"`
	Model      string `json:"model,omitempty"`
	// OSSupport is the end of support of its operating system's release
	// as the list that judged it at import said (lifecycle.SupportEnd);
	// OSList is that list's date.
	OSSupport string `json:"os_support,omitempty"`
	OSList    string `json:"os_list,omitempty"`
}

// A JudgedDevice is a device read from an export with its operating
// system judged against the list of vendors' support.
type JudgedDevice struct {
	*ingest.Device
	OSSupport, OSList string
}

// DevicesImport is what an import of a device export did.
type DevicesImport struct {
	Record   *DataImport
	Fresh    bool
	Devices  int
	Matched  int // to people of the roster
	Replaced int // the source's devices before
	Unused   []string
}

// ImportDevices imports a device export, replacing the devices of its
// source (the export lists them all), in one transaction with its audit
// entry and what after does; each device's primary user is matched to
// the roster by email (the UPN or the email the export gives).
func (sc *Scoped) ImportDevices(ctx context.Context, kind, file, sha string, size int64, read func(emit func(*JudgedDevice) error) (*ingest.DevicesInfo, error), after ...TxFunc) (*DevicesImport, error) {
	s := sc.s
	out := &DevicesImport{}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, kind, file, sha, size, "devices.import_again")
		if err != nil {
			return change{}, err
		}
		if again != nil {
			out.Record = rec
			return *again, nil
		}
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM devices WHERE org_id = ? AND source = ?`), sc.org.ID, kind)
		if err != nil {
			return change{}, translate(err, "devices")
		}
		n, _ := res.RowsAffected()
		out.Replaced = int(n)
		ins := s.newInserter(ctx, tx, "devices", "id, org_id, import_id, source, line, device_key, name, serial, os, os_version, edition, encrypted, encryption, last_seen, user_login, user_email, user_name, person_id, edr, edr_product, ownership, compliance, model, os_support, os_list", "devices")
		defer ins.close()
		// The primary users are matched to the roster by email a chunk of
		// devices at a time, one indexed query each.
		var chunk []*JudgedDevice
		groups := map[DeviceGroup]int{}
		write := func() error {
			people, err := sc.peopleByEmail(ctx, tx, chunk)
			if err != nil {
				return err
			}
			for _, d := range chunk {
				id, err := newID()
				if err != nil {
					return err
				}
				key := d.ID
				if key == "" {
					key = d.Name + "|" + d.Serial
				}
				var person any
				if p, ok := people[strings.ToLower(d.User)]; ok && d.User != "" {
					person = p
				} else if p, ok := people[strings.ToLower(d.UserEmail)]; ok && d.UserEmail != "" {
					person = p
				}
				if person != nil {
					out.Matched++
				}
				out.Devices++
				groups[DeviceGroup{Encrypted: string(d.Encrypted), EDR: string(d.EDR), OSSupport: d.OSSupport, OSList: d.OSList}]++
				if err := ins.add(id, sc.org.ID, rec.ID, kind, d.Line, strings.ToLower(key), d.Name, d.Serial, d.OS, d.OSVersion, d.Edition, string(d.Encrypted), d.Encryption,
					d.LastSeen, d.User, d.UserEmail, d.UserName, person, string(d.EDR), d.EDRProduct, d.Ownership, d.Compliance, d.Model, d.OSSupport, d.OSList); err != nil {
					return err
				}
			}
			chunk = chunk[:0]
			return nil
		}
		info, err := pipe(ctx, read, func(d *JudgedDevice) error {
			if chunk = append(chunk, d); len(chunk) == matchChunk {
				return write()
			}
			return nil
		})
		if err != nil {
			return change{}, err
		}
		if err := write(); err != nil {
			return change{}, err
		}
		if err := ins.flush(); err != nil {
			return change{}, err
		}
		if err := sc.saveDeviceGroups(ctx, tx, kind, groups); err != nil {
			return change{}, err
		}
		if err := s.finishImport(ctx, tx, rec, info.SHA256, out.Devices, ""); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Record, out.Fresh, out.Unused = rec, true, info.Unused
		return change{orgID: sc.org.ID, action: "devices.import", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "format": kind, "devices": out.Devices, "matched": out.Matched, "replaced": out.Replaced}}, nil
	})
	if err != nil {
		s.RecordEvent(ctx, sc.org.ID, "devices.import_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "format": kind, "error": errs.Message(err)})
		return nil, err
	}
	return out, nil
}

// matchChunk is how many devices' users are looked up in the roster at
// once.
const matchChunk = 500

// peopleByEmail maps the lower-cased emails among the devices' users to
// the people of the roster with them (the first by id, when two share
// one).
func (sc *Scoped) peopleByEmail(ctx context.Context, tx *sql.Tx, ds []*JudgedDevice) (map[string]string, error) {
	var emails []any
	seen := map[string]bool{}
	for _, d := range ds {
		for _, e := range []string{d.User, d.UserEmail} {
			if e = strings.ToLower(e); e != "" && !seen[e] {
				seen[e] = true
				emails = append(emails, e)
			}
		}
	}
	out := map[string]string{}
	if len(emails) == 0 {
		return out, nil
	}
	q := `SELECT email_key, id FROM people WHERE org_id = ? AND email_key IN (?` + strings.Repeat(", ?", len(emails)-1) + `) ORDER BY id`
	rows, err := tx.QueryContext(ctx, sc.s.rebind(q), append([]any{sc.org.ID}, emails...)...)
	if err != nil {
		return nil, translate(err, "people")
	}
	defer rows.Close()
	for rows.Next() {
		var email, id string
		if err := rows.Scan(&email, &id); err != nil {
			return nil, translate(err, "people")
		}
		if _, ok := out[email]; !ok {
			out[email] = id
		}
	}
	return out, translate(rows.Err(), "people")
}

const deviceColumns = "id, source, import_id, name, serial, os, os_version, edition, encrypted, encryption, last_seen, user_login, user_email, user_name, COALESCE(person_id, ''), edr, edr_product, ownership, compliance, model, os_support, os_list"

func scanDevice(rows *sql.Rows) (*Device, error) {
	d := &Device{}
	err := rows.Scan(&d.ID, &d.Source, &d.ImportID, &d.Name, &d.Serial, &d.OS, &d.OSVersion, &d.Edition, &d.Encrypted, &d.Encryption, &d.LastSeen,
		&d.User, &d.UserEmail, &d.UserName, &d.PersonID, &d.EDR, &d.EDRProduct, &d.Ownership, &d.Compliance, &d.Model, &d.OSSupport, &d.OSList)
	return d, translate(err, "devices")
}

// EachDevice calls fn for each of the organisation's devices, every
// source's, by source, streaming them.
func (sc *Scoped) EachDevice(ctx context.Context, fn func(*Device) error) error {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+deviceColumns+` FROM devices WHERE org_id = ? ORDER BY source, id`), sc.org.ID)
	if err != nil {
		return translate(err, "devices")
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "devices")
}

// DeviceCount is how many devices the organisation's exports list.
func (sc *Scoped) DeviceCount(ctx context.Context) (int, error) {
	var n int
	err := sc.s.reader(ctx).QueryRowContext(ctx, sc.s.rebind(`SELECT COALESCE(SUM(devices), 0) FROM device_counts WHERE org_id = ?`), sc.org.ID).Scan(&n)
	return n, translate(err, "device counts")
}

// DeviceFilter narrows a page of devices.
type DeviceFilter struct {
	Source string // an export's format; "" for every one
	// Attention keeps the devices a device check counts against: not
	// encrypted or not saying, or without EDR.
	Attention bool
	Limit     int
	Offset    int
}

// Devices returns a page of the organisation's devices, by source and
// name, and how many the filter keeps in all.
func (sc *Scoped) Devices(ctx context.Context, f DeviceFilter) ([]*Device, int, error) {
	s := sc.s
	where, args := ` FROM devices WHERE org_id = ?`, []any{sc.org.ID}
	if f.Source != "" {
		where, args = where+` AND source = ?`, append(args, f.Source)
	}
	if f.Attention {
		where += ` AND (encrypted <> 'yes' OR edr = 'no')`
	}
	var total int
	if err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT COUNT(*)`+where), args...).Scan(&total); err != nil {
		return nil, 0, translate(err, "devices")
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+deviceColumns+where+` ORDER BY source, lower(name), id LIMIT ? OFFSET ?`), append(args, max(f.Limit, 1), max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, translate(err, "devices")
	}
	defer rows.Close()
	out := []*Device{}
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, translate(rows.Err(), "devices")
}

// A DeviceGroup is how many of the organisation's devices share what the
// device checks judge: disk encryption and EDR as the exports say (yes,
// no, "" for not said), and the end of support kept at import with the
// date of the list that judged it.
type DeviceGroup struct {
	Encrypted string `json:"encrypted"`
	EDR       string `json:"edr"`
	OSSupport string `json:"os_support"`
	OSList    string `json:"os_list"`
	Devices   int    `json:"devices"`
}

// saveDeviceGroups replaces the counts of a source's devices.
func (sc *Scoped) saveDeviceGroups(ctx context.Context, tx *sql.Tx, source string, groups map[DeviceGroup]int) error {
	s := sc.s
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM device_counts WHERE org_id = ? AND source = ?`), sc.org.ID, source); err != nil {
		return translate(err, "device counts")
	}
	ins := s.newInserter(ctx, tx, "device_counts", "org_id, source, encrypted, edr, os_support, os_list, devices", "device counts")
	defer ins.close()
	for g, n := range groups {
		if err := ins.add(sc.org.ID, source, g.Encrypted, g.EDR, g.OSSupport, g.OSList, n); err != nil {
			return err
		}
	}
	return ins.flush()
}

// DeviceGroups counts the organisation's devices, every source's, by
// what the device checks judge; the counts are kept by the imports.
func (sc *Scoped) DeviceGroups(ctx context.Context) ([]DeviceGroup, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT encrypted, edr, os_support, os_list, SUM(devices) FROM device_counts WHERE org_id = ?
		GROUP BY encrypted, edr, os_support, os_list ORDER BY encrypted, edr, os_support, os_list`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "device counts")
	}
	defer rows.Close()
	var out []DeviceGroup
	for rows.Next() {
		var g DeviceGroup
		if err := rows.Scan(&g.Encrypted, &g.EDR, &g.OSSupport, &g.OSList, &g.Devices); err != nil {
			return nil, translate(err, "device counts")
		}
		out = append(out, g)
	}
	return out, translate(rows.Err(), "device counts")
}

// DevicesToJudge names the devices the checks read one by one besides
// those a device check counts against (not encrypted or not saying,
// without EDR): those whose kept end of support is one of Past, and those
// judged against another list than List.
type DevicesToJudge struct {
	Past []string
	List string
}

// EachDeviceToJudge calls fn, by source, for each device a device check
// counts against, or must judge again, with what the checks read of it:
// its id, source, name, user, operating system and its support,
// encryption, EDR and last check-in (the rest is left empty).
func (sc *Scoped) EachDeviceToJudge(ctx context.Context, sel DevicesToJudge, fn func(*Device) error) error {
	s := sc.s
	q := `SELECT id, source, name, os, os_version, edition, encrypted, encryption, last_seen, user_login, user_name, edr, os_support, os_list
		FROM devices WHERE org_id = ? AND (encrypted <> 'yes' OR edr = 'no' OR os_list <> ?`
	args := []any{sc.org.ID, sel.List}
	if len(sel.Past) > 0 {
		q += ` OR os_support IN (?` + strings.Repeat(", ?", len(sel.Past)-1) + `)`
		for _, p := range sel.Past {
			args = append(args, p)
		}
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+`) ORDER BY source, id`), args...)
	if err != nil {
		return translate(err, "devices")
	}
	defer rows.Close()
	for rows.Next() {
		d := &Device{}
		if err := rows.Scan(&d.ID, &d.Source, &d.Name, &d.OS, &d.OSVersion, &d.Edition, &d.Encrypted, &d.Encryption, &d.LastSeen, &d.User, &d.UserName, &d.EDR, &d.OSSupport, &d.OSList); err != nil {
			return translate(err, "devices")
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "devices")
}
