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
func (sc *Scoped) ImportDevices(ctx context.Context, kind, file, sha string, size int64, read func(emit func(*ingest.Device) error) (*ingest.DevicesInfo, error), after ...TxFunc) (*DevicesImport, error) {
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
		ins := s.newInserter(ctx, tx, "devices", "id, org_id, import_id, source, line, device_key, name, serial, os, os_version, edition, encrypted, encryption, last_seen, user_login, user_email, user_name, person_id, edr, edr_product, ownership, compliance, model", "devices")
		defer ins.close()
		// The primary users are matched to the roster by email a chunk of
		// devices at a time, one indexed query each.
		var chunk []*ingest.Device
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
				if err := ins.add(id, sc.org.ID, rec.ID, kind, d.Line, strings.ToLower(key), d.Name, d.Serial, d.OS, d.OSVersion, d.Edition, string(d.Encrypted), d.Encryption,
					d.LastSeen, d.User, d.UserEmail, d.UserName, person, string(d.EDR), d.EDRProduct, d.Ownership, d.Compliance, d.Model); err != nil {
					return err
				}
			}
			chunk = chunk[:0]
			return nil
		}
		info, err := pipe(ctx, read, func(d *ingest.Device) error {
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
func (sc *Scoped) peopleByEmail(ctx context.Context, tx *sql.Tx, ds []*ingest.Device) (map[string]string, error) {
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
	q := `SELECT lower(email), id FROM people WHERE org_id = ? AND lower(email) IN (?` + strings.Repeat(", ?", len(emails)-1) + `) ORDER BY id`
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

const deviceColumns = "id, source, import_id, name, serial, os, os_version, edition, encrypted, encryption, last_seen, user_login, user_email, user_name, COALESCE(person_id, ''), edr, edr_product, ownership, compliance, model"

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
		d := &Device{}
		if err := rows.Scan(&d.ID, &d.Source, &d.ImportID, &d.Name, &d.Serial, &d.OS, &d.OSVersion, &d.Edition, &d.Encrypted, &d.Encryption, &d.LastSeen,
			&d.User, &d.UserEmail, &d.UserName, &d.PersonID, &d.EDR, &d.EDRProduct, &d.Ownership, &d.Compliance, &d.Model); err != nil {
			return translate(err, "devices")
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
	err := sc.s.reader(ctx).QueryRowContext(ctx, sc.s.rebind(`SELECT COUNT(*) FROM devices WHERE org_id = ?`), sc.org.ID).Scan(&n)
	return n, translate(err, "devices")
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
		d := &Device{}
		if err := rows.Scan(&d.ID, &d.Source, &d.ImportID, &d.Name, &d.Serial, &d.OS, &d.OSVersion, &d.Edition, &d.Encrypted, &d.Encryption, &d.LastSeen,
			&d.User, &d.UserEmail, &d.UserName, &d.PersonID, &d.EDR, &d.EDRProduct, &d.Ownership, &d.Compliance, &d.Model); err != nil {
			return nil, 0, translate(err, "devices")
		}
		out = append(out, d)
	}
	return out, total, translate(rows.Err(), "devices")
}
