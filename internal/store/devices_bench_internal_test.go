package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkDeviceRowsAlone is the least a device import's writing can
// cost on this engine and driver: the 10,000 rows of 25 values an Intune
// export of 10,000 devices becomes, made before the clock starts, written
// through the bulk inserter into a table of the same columns with no key,
// no index and no constraint, in one transaction that first empties it.
// Compare with dataimport's BenchmarkReadDevices (the floor) and
// BenchmarkImportDevices:
//
//	go test ./internal/store -run XXX -bench DeviceRowsAlone -benchtime 20x -count 3
func BenchmarkDeviceRowsAlone(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "rows.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const columns = "id, org_id, import_id, source, line, device_key, name, serial, os, os_version, edition, encrypted, encryption, last_seen, user_login, user_email, user_name, person_id, edr, edr_product, ownership, compliance, model, os_support, os_list"
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE bare (id, org_id, import_id, source, line, device_key, name, serial, os, os_version, edition, encrypted, encryption, last_seen, user_login, user_email, user_name, person_id, edr, edr_product, ownership, compliance, model, os_support, os_list)`); err != nil {
		b.Fatal(err)
	}
	rows := make([][]any, 10000)
	for i := range rows {
		id, _ := newID()
		user := fmt.Sprintf("user%06d@hospital.example", i)
		rows[i] = []any{id, "0193b3c2-7a4e-7b1d-9c2f-5e8a1d3c4b6a", "0193b3c2-7a4e-7b1d-9c2f-5e8a1d3c4b6b", "intune-devices", i + 2, fmt.Sprintf("dev-%08d", i),
			fmt.Sprintf("WS-%06d", i), fmt.Sprintf("SN%08d", i), "Windows", "10.0.26100.2314", "Enterprise", "yes", "", "2026-11-03 08:30:00",
			user, user, fmt.Sprintf("User %d", i), id, "", "", "Corporate", "Compliant", "Latitude 5450", "2029-10-09", "2026-08-22"}
	}
	for b.Loop() {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM bare`); err != nil {
				return err
			}
			ins := s.newInserter(ctx, tx, "bare", columns, "rows")
			defer ins.close()
			for _, r := range rows {
				if err := ins.add(r...); err != nil {
					return err
				}
			}
			return ins.flush()
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
