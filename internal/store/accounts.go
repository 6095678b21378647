package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

const accountColumns = `id, org_id, import_id, source, system, line, external_id, login, login_key, alt_key, local_key, base_key, email, email_key, name, name_key, employee_id, employee_key, department, title, enabled, status, kind, created, last_login, login_known, password_set, password_no_expiry, mfa, mfa_methods, privileged, privileged_because, mailbox, remote, remote_because, groups`

// AccountsImport is the outcome of an account export's import.
type AccountsImport struct {
	Record   *DataImport
	Fresh    bool
	Accounts int
	Matched  int            // accounts matched to a person of the roster
	ByRule   map[string]int // how many each rule matched
	System   string         // the system its accounts sign in to
	Replaced int            // accounts of the system's previous export, replaced
	Unused   []string       // the export's columns Safeguard does not read
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ImportAccounts stores an account export of the system its accounts
// sign in to, in one transaction: read calls emit for each account
// (streaming the file), the accounts are written in batches and replace
// those of the system's previous export (no other system's), and each is
// matched to a person of the roster (see MatchAccounts). Entra ID accounts
// take their MFA registration and admin role from the registration
// details imported before. A file imported before (the same SHA-256) is
// recognised and nothing is written. A failed import leaves nothing but an
// audit entry saying why.
func (sc *Scoped) ImportAccounts(ctx context.Context, format, system, file, sha string, size int64, read func(emit func(*KeyedAccount) error) (*ingest.AccountsInfo, error), after ...TxFunc) (*AccountsImport, error) {
	out, _, err := sc.importAccounts(ctx, format, system, file, sha, size, read, false, after)
	return out, err
}

// AccountsPlan is what an account export would change of its system's
// accounts: added (logins not there before), changed (there before, with
// another state: enabled, MFA, privilege, names, dates, groups) and
// removed (there before, not in the file), with a few logins of each.
type AccountsPlan struct {
	System                  string
	Accounts                int
	Added, Changed, Removed int
	Unchanged               int
	Examples                map[string][]string // "added", "changed", "removed": up to PlanExamples logins
	Again                   bool                // the same file was imported before: nothing would change
	Unused                  []string
}

// PlanExamples is how many logins a plan names of each change.
const PlanExamples = 10

// errPlanned rolls a plan's transaction back.
var errPlanned = errs.New(errs.Conflict, "planned")

// PlanAccounts reads an account export as ImportAccounts would and says
// what it would add, change and remove of the system's accounts, writing
// nothing: the import runs in a transaction that is rolled back.
func (sc *Scoped) PlanAccounts(ctx context.Context, format, system, file, sha string, size int64, read func(emit func(*KeyedAccount) error) (*ingest.AccountsInfo, error)) (*AccountsPlan, error) {
	_, plan, err := sc.importAccounts(ctx, format, system, file, sha, size, read, true, nil)
	return plan, err
}

// accountChanged says, in SQL over n (the new row) and o (the old), that an
// account's state differs.
const accountChanged = `(n.enabled <> o.enabled OR n.mfa <> o.mfa OR n.privileged <> o.privileged OR n.remote <> o.remote OR n.mailbox <> o.mailbox
	OR n.name <> o.name OR n.email <> o.email OR n.employee_id <> o.employee_id OR n.department <> o.department OR n.title <> o.title
	OR n.status <> o.status OR n.kind <> o.kind OR n.last_login <> o.last_login OR n.password_set <> o.password_set
	OR n.password_no_expiry <> o.password_no_expiry OR n.groups <> o.groups)`

func (sc *Scoped) importAccounts(ctx context.Context, format, system, file, sha string, size int64, read func(emit func(*KeyedAccount) error) (*ingest.AccountsInfo, error), planOnly bool, after []TxFunc) (*AccountsImport, *AccountsPlan, error) {
	s := sc.s
	system = strings.TrimSpace(system)
	if system == "" {
		return nil, nil, errs.New(errs.Invalid, "name the system the accounts sign in to (an EHR, a VPN, the directory)")
	}
	if err := errs.Longest(errs.Field{Name: "system", Value: system, Max: 100}); err != nil {
		return nil, nil, err
	}
	out := &AccountsImport{System: system}
	plan := &AccountsPlan{System: system, Examples: map[string][]string{}}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, format, file, sha, size, "accounts.import_again")
		if err != nil {
			return change{}, err
		}
		if again != nil {
			out.Record, plan.Again = rec, true
			if planOnly {
				return change{}, errPlanned
			}
			return *again, nil
		}
		if !planOnly {
			res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM accounts WHERE org_id = ? AND system = ?`), sc.org.ID, system)
			if err != nil {
				return change{}, translate(err, "accounts")
			}
			n, _ := res.RowsAffected()
			out.Replaced = int(n)
		}
		ins := s.newInserter(ctx, tx, "accounts", accountColumns, "accounts")
		defer ins.close()
		info, err := pipe(ctx, read, func(a *KeyedAccount) error {
			if a.Source != format {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d is a %s account, not %s", file, a.Line, a.Source, format))
			}
			out.Accounts++
			id, err := newID()
			if err != nil {
				return err
			}
			return ins.add(id, sc.org.ID, rec.ID, a.Source, system, a.Line, a.ExternalID, a.Login, a.LoginKey, a.AltKey, a.LocalKey, a.BaseKey,
				a.Email, a.EmailKey, a.Name, a.NameKey, a.EmployeeID, a.EmployeeKey, a.Department, a.Title, boolInt(a.Enabled), a.Status, a.Kind,
				a.Created, a.LastLogin, boolInt(a.LoginKnown), a.PasswordSet, boolInt(a.PasswordNoExpiry), string(a.MFA), a.MFAMethods,
				string(a.Privileged), a.PrivilegedBecause, string(a.Mailbox), string(a.Remote), a.RemoteBecause, strings.Join(a.Groups, "; "))
		})
		if err != nil {
			return change{}, err
		}
		if err := ins.flush(); err != nil {
			return change{}, err
		}
		if planOnly {
			if err := s.planAccounts(ctx, tx, sc.org.ID, system, rec.ID, plan); err != nil {
				return change{}, err
			}
			plan.Accounts, plan.Unused = out.Accounts, info.Unused
			return change{}, errPlanned
		}
		if format == ingest.FormatEntraUsers {
			if err := s.applyRegistrations(ctx, tx, sc.org.ID); err != nil {
				return change{}, err
			}
		}
		if out.ByRule, err = s.matchAccounts(ctx, tx, sc.org.ID, rec.ID); err != nil {
			return change{}, err
		}
		for _, n := range out.ByRule {
			out.Matched += n
		}
		if err := s.finishImport(ctx, tx, rec, info.SHA256, out.Accounts, ""); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Record, out.Fresh, out.Unused = rec, true, info.Unused
		return change{orgID: sc.org.ID, action: "accounts.import", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "format": format, "system": system, "accounts": out.Accounts, "matched": out.Matched, "replaced": out.Replaced}}, nil
	})
	if planOnly && err == errPlanned {
		return nil, plan, nil
	}
	if err != nil {
		s.RecordEvent(ctx, sc.org.ID, "accounts.import_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "format": format, "system": system, "error": errs.Message(err)})
		return nil, nil, err
	}
	return out, nil, nil
}

// planAccounts counts, in tx, what the accounts of import importID would
// add, change and remove of the system's accounts, with a few logins of
// each.
func (s *Store) planAccounts(ctx context.Context, tx *sql.Tx, orgID, system, importID string, plan *AccountsPlan) error {
	old := `SELECT 1 FROM accounts o WHERE o.org_id = n.org_id AND o.system = n.system AND o.import_id <> n.import_id AND o.login_key = n.login_key`
	queries := []struct {
		name string
		from string
		n    *int
	}{
		{"added", `FROM accounts n WHERE n.import_id = ? AND NOT EXISTS (` + old + `)`, &plan.Added},
		{"changed", `FROM accounts n WHERE n.import_id = ? AND EXISTS (` + old + ` AND ` + accountChanged + `)`, &plan.Changed},
		{"removed", `FROM accounts n WHERE n.org_id = ? AND n.system = ? AND n.import_id <> ? AND NOT EXISTS (SELECT 1 FROM accounts o WHERE o.import_id = ? AND o.login_key = n.login_key)`, &plan.Removed},
	}
	for _, q := range queries {
		args := []any{importID}
		if q.name == "removed" {
			args = []any{orgID, system, importID, importID}
		}
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) `+q.from), args...).Scan(q.n); err != nil {
			return translate(err, "accounts")
		}
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT n.login `+q.from+` ORDER BY n.login LIMIT ?`), append(args, PlanExamples)...)
		if err != nil {
			return translate(err, "accounts")
		}
		for rows.Next() {
			var login string
			if err := rows.Scan(&login); err != nil {
				rows.Close()
				return translate(err, "accounts")
			}
			plan.Examples[q.name] = append(plan.Examples[q.name], login)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err, "accounts")
		}
	}
	var total int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM accounts WHERE import_id = ?`), importID).Scan(&total); err != nil {
		return translate(err, "accounts")
	}
	plan.Unchanged = total - plan.Added - plan.Changed
	return nil
}

// ImportMFARegistrations stores Entra ID's user registration details in
// one transaction, replacing the previous report, and gives the Entra ID
// accounts their MFA registration and admin role. A report imported
// before is recognised and nothing is written.
func (sc *Scoped) ImportMFARegistrations(ctx context.Context, file, sha string, size int64, read func(emit func(*ingest.MFARegistration) error) (*ingest.AccountsInfo, error), after ...TxFunc) (*AccountsImport, error) {
	s := sc.s
	out := &AccountsImport{}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, ingest.FormatEntraMFA, file, sha, size, "accounts.import_again")
		if err != nil {
			return change{}, err
		}
		if again != nil {
			out.Record = rec
			return *again, nil
		}
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM mfa_registrations WHERE org_id = ?`), sc.org.ID)
		if err != nil {
			return change{}, translate(err, "MFA registrations")
		}
		n, _ := res.RowsAffected()
		out.Replaced = int(n)
		ins := s.newInserter(ctx, tx, "mfa_registrations", "org_id, import_id, login_key, registered, capable, admin, methods", "MFA registrations")
		defer ins.close()
		info, err := pipe(ctx, read, func(m *ingest.MFARegistration) error {
			out.Accounts++
			return ins.add(sc.org.ID, rec.ID, strings.ToLower(m.Login), boolInt(m.Registered), string(m.Capable), string(m.Admin), m.Methods)
		})
		if err != nil {
			return change{}, err
		}
		if err := ins.flush(); err != nil {
			return change{}, err
		}
		if err := s.applyRegistrations(ctx, tx, sc.org.ID); err != nil {
			return change{}, err
		}
		if err := s.finishImport(ctx, tx, rec, info.SHA256, out.Accounts, ""); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Record, out.Fresh, out.Unused = rec, true, info.Unused
		return change{orgID: sc.org.ID, action: "accounts.mfa_import", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "users": out.Accounts}}, nil
	})
	if err != nil {
		s.RecordEvent(ctx, sc.org.ID, "accounts.import_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "format": ingest.FormatEntraMFA, "error": errs.Message(err)})
		return nil, err
	}
	return out, nil
}

// applyRegistrations gives the Entra ID accounts the MFA registration and
// admin role of the newest registration details report.
func (s *Store) applyRegistrations(ctx context.Context, tx *sql.Tx, orgID string) error {
	_, err := tx.ExecContext(ctx, s.rebind(`UPDATE accounts SET
		mfa = CASE WHEN m.registered = 1 THEN 'yes' ELSE 'no' END,
		mfa_methods = m.methods,
		privileged = CASE WHEN m.admin = '' THEN accounts.privileged ELSE m.admin END,
		privileged_because = CASE WHEN m.admin = 'yes' THEN 'an admin role in Entra ID' ELSE accounts.privileged_because END
		FROM mfa_registrations m
		WHERE accounts.org_id = ? AND accounts.source = ? AND m.org_id = accounts.org_id AND m.login_key = accounts.login_key`), orgID, ingest.FormatEntraUsers)
	return translate(err, "accounts")
}

// MatchAccounts matches every account of the organisation to the roster
// again (the roster import calls it, since joiners and leavers change who
// is behind an account).
func (sc *Scoped) MatchAccounts(ctx context.Context) (map[string]int, error) {
	var out map[string]int
	err := sc.s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = sc.s.matchAccounts(ctx, tx, sc.org.ID, "")
		return err
	})
	return out, err
}

// matchAccounts runs the matching's passes (Options.Matching) over the
// accounts of one import (or, importID "", all the organisation's), each
// only for accounts no earlier pass matched, in the database, so that a
// million accounts need no memory.
func (s *Store) matchAccounts(ctx context.Context, tx *sql.Tx, orgID, importID string) (map[string]int, error) {
	scope, args := `accounts.org_id = ?`, []any{orgID}
	if importID != "" {
		scope, args = scope+` AND accounts.import_id = ?`, append(args, importID)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE accounts SET person_id = '', match_rule = '' WHERE `+scope), args...); err != nil {
		return nil, translate(err, "accounts")
	}
	passes, err := s.matchPasses()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, p := range passes {
		// Only the accounts the pick finds someone for are written. The
		// rule is written with the pick, so that an account matched in this
		// pass is seen as matched by it (a pass against the accounts
		// matched already does not take them as its sources).
		res, err := tx.ExecContext(ctx, s.rebind(p.update(scope)), args...)
		if err != nil {
			return nil, translate(err, "accounts")
		}
		matched, _ := res.RowsAffected()
		out[p.rule] += int(matched)
	}
	return out, nil
}

// A matchPass is one pass of the matching as SQL: the rule it records,
// the account's key it looks up and the subquery that picks the person.
type matchPass struct{ rule, key, pick string }

// update is the statement of a pass over the accounts scope names that
// no earlier pass matched.
func (p matchPass) update(scope string) string {
	return `UPDATE accounts SET person_id = (` + p.pick + `), match_rule = '` + p.rule + `'
			WHERE ` + scope + ` AND accounts.person_id = '' AND accounts.` + p.key + ` <> '' AND (` + p.pick + `) IS NOT NULL`
}

// matchPasses turns the matching's passes (Options.Matching) into SQL.
func (s *Store) matchPasses() ([]matchPass, error) {
	// Each pass picks a person by an index of people (or of the accounts
	// matched already), once per account not yet matched; a unique pass
	// picks none when several share the key. Both sides' keys are kept
	// lower-cased, each as its row is written (personKeys, and the
	// importer's KeyedAccount), and compared as they are, through the
	// people's plain indexes.
	keys := map[string]string{KeyEmployeeID: "employee_key", KeyEmail: "email_key", KeyLogin: "login_key", KeyAltLogin: "alt_key",
		KeyLocal: "local_key", KeyBase: "base_key", KeyName: "name_key"}
	against := map[string]string{PersonEmployeeID: "p.employee_key", PersonEmail: "p.email_key",
		PersonEmailLocal: "p.local_key", PersonName: "p.name_key"}
	var passes []matchPass
	for _, p := range s.matching.Passes {
		key, ok := keys[p.Key]
		if !ok {
			return nil, fmt.Errorf("matching: no account key %q", p.Key)
		}
		var pick string
		if p.Against == MatchedAccount {
			pick = `SELECT min(a2.person_id) FROM accounts a2 WHERE a2.org_id = accounts.org_id AND a2.local_key = accounts.` + key + ` AND a2.person_id <> '' AND a2.match_rule <> '` + p.Rule + `'`
			if p.Unique {
				pick += ` HAVING count(DISTINCT a2.person_id) = 1`
			}
		} else {
			col, ok := against[p.Against]
			if !ok {
				return nil, fmt.Errorf("matching: nothing of a person is %q", p.Against)
			}
			pick = `SELECT min(p.id) FROM people p WHERE p.org_id = accounts.org_id AND ` + col + ` = accounts.` + key
			if p.Unique {
				pick += ` HAVING count(*) = 1`
			}
		}
		passes = append(passes, matchPass{p.Rule, key, pick})
	}
	return passes, nil
}

// AccountFilter narrows Accounts.
type AccountFilter struct {
	Source string   // one export's format, or "" for all
	IDs    []string // these accounts only
	Limit  int      // at most; 1000 when 0
	Offset int
}

const accountSelect = `SELECT a.id, a.import_id, a.source, a.system, a.line, a.external_id, a.login, a.email, a.name, a.employee_id, a.department, a.title, a.enabled, a.status, a.kind,
	a.created, a.last_login, a.login_known, a.password_set, a.password_no_expiry, a.mfa, a.mfa_methods, a.privileged, a.privileged_because, a.mailbox, a.remote, a.remote_because, a.groups,
	a.person_id, a.match_rule, COALESCE(p.name, ''), COALESCE(p.end_date, ''), d.imported_at
	FROM accounts a JOIN data_imports d ON d.id = a.import_id LEFT JOIN people p ON p.id = a.person_id`

func (s *Store) scanAccount(row scanner) (*Account, error) {
	var a Account
	var enabled, known, noExpiry int
	var mfa, priv, mailbox, remote, groups, at string
	err := row.Scan(&a.ID, &a.ImportID, &a.Source, &a.System, &a.Line, &a.ExternalID, &a.Login, &a.Email, &a.Name, &a.EmployeeID, &a.Department, &a.Title, &enabled, &a.Status, &a.Kind,
		&a.Created, &a.LastLogin, &known, &a.PasswordSet, &noExpiry, &mfa, &a.MFAMethods, &priv, &a.PrivilegedBecause, &mailbox, &remote, &a.RemoteBecause, &groups,
		&a.PersonID, &a.MatchRule, &a.PersonName, &a.PersonEnd, &at)
	if err != nil {
		return nil, translate(err, "accounts")
	}
	a.Enabled, a.LoginKnown, a.PasswordNoExpiry = enabled == 1, known == 1, noExpiry == 1
	a.MFA, a.Privileged, a.Mailbox, a.Remote = ingest.Tri(mfa), ingest.Tri(priv), ingest.Tri(mailbox), ingest.Tri(remote)
	if groups != "" {
		a.Groups = strings.Split(groups, "; ")
	}
	if explain := s.matching.Explain; explain != nil {
		a.MatchWhy, a.Confidence = explain(a.MatchRule)
	}
	a.AsOf = at[:min(len(at), 10)]
	return &a, nil
}

// Accounts lists the organisation's accounts by source and login.
func (sc *Scoped) Accounts(ctx context.Context, f AccountFilter) ([]*Account, error) {
	s := sc.s
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q, args := accountSelect+` WHERE a.org_id = ?`, []any{sc.org.ID}
	if f.Source != "" {
		q, args = q+` AND a.source = ?`, append(args, f.Source)
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return nil, nil
		}
		q += ` AND a.id IN (?` + strings.Repeat(", ?", len(f.IDs)-1) + `)`
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY a.source, a.login_key LIMIT ? OFFSET ?`), append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, translate(err, "accounts")
	}
	defer rows.Close()
	var out []*Account
	for rows.Next() {
		a, err := sc.s.scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "accounts")
}

// EachAccount streams every account of the organisation to fn, with the
// person it was matched to, without holding them in memory.
func (sc *Scoped) EachAccount(ctx context.Context, fn func(*Account) error) error {
	ctx = heavy(ctx) // over many rows: on the heavy pool
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(accountSelect+` WHERE a.org_id = ?`), sc.org.ID)
	if err != nil {
		return translate(err, "accounts")
	}
	defer rows.Close()
	for rows.Next() {
		a, err := sc.s.scanAccount(rows)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "accounts")
}

// AccountCount counts the organisation's accounts, of one export's format
// or ("") of all.
func (sc *Scoped) AccountCount(ctx context.Context, source string) (int, error) {
	s := sc.s
	q, args := `SELECT count(*) FROM accounts WHERE org_id = ?`, []any{sc.org.ID}
	if source != "" {
		q, args = q+` AND source = ?`, append(args, source)
	}
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(q), args...).Scan(&n)
	return n, translate(err, "accounts")
}
