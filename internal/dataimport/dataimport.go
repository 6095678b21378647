// Package dataimport imports one file of outside data — the KEV catalog,
// EPSS scores, scanner output, an account export — in the format detected
// from its content or named by the caller, reporting its progress as the
// file is read. The command line and the web app's background jobs both
// import through it. Files of the organisation's own records (the ePHI
// inventory, the risk register) are planned against the records as they
// stand and applied in one transaction (records.go): the page's preview
// and apply, the API and the command line all go through PlanRecords.
package dataimport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/identity"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Request is one file to import.
type Request struct {
	Path string // the file on disk, when Open is nil
	// Open opens the file, from its start, each time it is called: an
	// upload in the blob store.
	Open   func() (io.ReadCloser, error)
	Name   string // the name it is recorded and reported under; Path when ""
	Format string // one of ingest.Supported; detected from the content when ""
	// Scope gives the organisation scanner findings and account exports
	// land in; it is called only for those formats.
	Scope func() (*store.Scoped, error)
	// Shared takes the KEV catalog and EPSS scores, which every
	// organisation of the database shares; when nil they are refused. The
	// web app refuses them: one organisation's upload must not change
	// another's verdicts.
	Shared Shared
	// SHA256 and Size, when the caller hashed the file as it wrote it (an
	// upload), spare reading it once more to hash it. The import still
	// checks the bytes it reads against the hash.
	SHA256 string
	Size   int64
	// Progress, when set, is told how many bytes of the file have been read,
	// of how many, as the import goes on (from the import's goroutine).
	Progress func(read, size int64)
	// System names the system an account export's accounts sign in to;
	// the format's (ingest.Format.System) when "". An import replaces that
	// system's accounts only.
	System string
	// Framework names the framework an OSCAL catalog or profile becomes
	// (made from its title when ""); Catalog is the built-in catalog it
	// must not clash with (loaded when nil).
	Framework string
	Catalog   *catalog.Registry
	// Preview, for an account export, reads the file and says what it
	// would add, change and remove (Outcome.Plan), writing nothing.
	Preview bool
	// After runs in the import's transaction once an organisation's file,
	// or a KEV catalog, has landed (not for a file imported before, nor for
	// an OSCAL catalog or profile, which no check reads): what must land
	// with it, such as the runs of the checks it calls for.
	After []store.TxFunc
}

// open opens the file the request names.
func (req *Request) open(name string) (io.ReadCloser, error) {
	if req.Open != nil {
		return req.Open()
	}
	f, err := os.Open(req.Path)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "cannot open "+name, err)
	}
	return f, nil
}

// Shared is where the installation's shared reference data goes: the
// store.
type Shared interface {
	ImportKEV(ctx context.Context, c *ingest.KEVCatalog, after ...store.TxFunc) (*store.DataImport, bool, error)
	ImportEPSS(ctx context.Context, f *ingest.EPSSFile, after ...store.TxFunc) (*store.DataImport, bool, error)
}

// Outcome is what an import did.
type Outcome struct {
	File      string   `json:"file"`
	Format    string   `json:"format"`
	Label     string   `json:"format_label"`
	SHA256    string   `json:"sha256"`
	Size      int64    `json:"size"`
	Import    string   `json:"import,omitempty"` // the data import record's id
	Fresh     bool     `json:"fresh"`            // false when the same file was imported before
	Records   int      `json:"records"`          // findings, accounts, users, scores or catalog entries
	Matched   int      `json:"matched"`          // findings matched to assets, accounts to people
	Skipped   int      `json:"skipped,omitempty"`
	Replaced  int      `json:"replaced,omitempty"`
	Unmatched []string `json:"unmatched,omitempty"` // hosts no asset of the inventory matched
	Unused    []string `json:"unused_columns,omitempty"`
	// System is an account export's; Plan what its preview found.
	System  string              `json:"system,omitempty"`
	Plan    *store.AccountsPlan `json:"plan,omitempty"`
	Summary []string            `json:"summary"` // what happened, for a person to read: a headline, then its details
	At      time.Time           `json:"at"`
}

// Detect names the format of the file at path from its first bytes, or
// returns an Invalid error naming the formats Safeguard reads.
func Detect(path, name string) (string, error) {
	req := Request{Path: path}
	return req.detect(name)
}

// DetectReader is Detect for a file that open opens (an upload).
func DetectReader(name string, open func() (io.ReadCloser, error)) (string, error) {
	req := Request{Open: open}
	return req.detect(name)
}

func (req *Request) detect(name string) (string, error) {
	f, err := req.open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	kind, err := ingest.DetectStream(f)
	if err != nil {
		return "", errs.Wrap(errs.Invalid, "cannot read "+name, err)
	}
	if kind != "" {
		return kind, nil
	}
	if g, err := req.open(name); err == nil {
		head := make([]byte, ingest.HeadBytes)
		n, _ := io.ReadFull(g, head)
		g.Close()
		if label, hint := ingest.Unread(head[:n]); label != "" {
			return "", errs.New(errs.Invalid, fmt.Sprintf("%s is %s, which Safeguard does not import: %s", name, label, hint))
		}
	}
	return "", errs.New(errs.Invalid, fmt.Sprintf("%s: the format is not one Safeguard knows (it reads %s); name the format if it is one of them", name, strings.Join(ingest.Supported, ", ")))
}

// File imports one file in one transaction: it lands whole or not at all,
// and is recorded with its SHA-256, so that the same file again changes
// nothing.
func File(ctx context.Context, req Request) (*Outcome, error) {
	name := req.Name
	if name == "" {
		name = req.Path
	}
	kind := req.Format
	if kind == "" {
		var err error
		if kind, err = req.detect(name); err != nil {
			return nil, err
		}
	}
	format, ok := ingest.FormatByID(kind)
	if !ok {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: %s is not a format Safeguard reads (it reads %s)", name, kind, strings.Join(ingest.Supported, ", ")))
	}
	if req.Preview && format.Kind != ingest.KindAccounts {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: a preview is an account export's; a %s file is imported whole or not at all", name, format.Label))
	}
	if format.Shared() && req.Shared == nil {
		return nil, errs.New(errs.Forbidden, fmt.Sprintf("%s: the %s is shared by every organisation of this Safeguard; the server's administrator imports it with safeguard import", name, format.Label))
	}
	sha, size := req.SHA256, req.Size
	if sha == "" {
		var err error
		if sha, size, err = req.hash(name); err != nil {
			return nil, err
		}
	}
	f, err := req.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if req.Progress != nil {
		r = &counter{r: f, size: size, report: req.Progress}
		req.Progress(0, size)
	}
	// Mail providers send their reports compressed: unpacked here, the
	// packed bytes hashed as they are read.
	raw := &hashed{r: r, h: sha256.New()}
	inner, _, packed, err := ingest.Unpack(name, raw)
	if err != nil {
		return nil, err
	}
	if packed && format.Kind != ingest.KindEmailReport {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s is compressed: Safeguard unpacks the DMARC and SMTP TLS reports mail providers send; unpack a %s file before importing it", name, format.Label))
	}
	out := &Outcome{File: name, Format: kind, Label: format.Label, SHA256: sha, Size: size}
	if err := run(ctx, req, name, format, inner, raw, out); err != nil {
		return nil, err
	}
	if req.Progress != nil {
		req.Progress(size, size)
	}
	out.At = time.Now().UTC()
	return out, nil
}

func run(ctx context.Context, req Request, name string, format *ingest.Format, r io.Reader, raw *hashed, out *Outcome) error {
	kind := format.ID
	say := func(format string, args ...any) { out.Summary = append(out.Summary, fmt.Sprintf(format, args...)) }
	scope := func() (*store.Scoped, error) {
		if req.Scope == nil {
			return nil, errs.New(errs.Invalid, name+": name the organisation the file's records belong to")
		}
		return req.Scope()
	}
	switch format.Kind {
	case ingest.KindCatalog:
		c, err := ingest.ReadKEV(name, r)
		if err != nil {
			return err
		}
		rec, fresh, err := req.Shared.ImportKEV(ctx, c, req.After...)
		if err != nil {
			return err
		}
		out.Import, out.Fresh, out.Records = rec.ID, fresh, len(c.Entries)
		say("%s: the KEV catalog %s (released %s), %d vulnerabilities; SHA-256 %s%s.", name, c.Version, c.Released.Format(time.DateOnly), len(c.Entries), rec.SHA256, again(fresh))
	case ingest.KindScores:
		e, err := ingest.ReadEPSS(name, r)
		if err != nil {
			return err
		}
		rec, fresh, err := req.Shared.ImportEPSS(ctx, e, req.After...)
		if err != nil {
			return err
		}
		out.Import, out.Fresh, out.Records = rec.ID, fresh, len(e.Scores)
		say("%s: %d EPSS scores of %s%s.", name, len(e.Scores), e.ScoreDate, again(fresh))
	case ingest.KindScanner:
		reader, label := format.Scan, format.Label
		sc, err := scope()
		if err != nil {
			return err
		}
		res, err := sc.ImportFindings(ctx, kind, name, out.SHA256, out.Size, func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			return reader(name, r, emit)
		}, req.After...)
		if err != nil {
			return err
		}
		out.Import, out.Fresh, out.Records, out.Matched, out.Skipped, out.Unmatched = res.Record.ID, res.Fresh, res.Findings, res.Matched, res.Skipped, res.Unmatched
		say("%s: %d findings (%s), %d matched to assets%s.", name, res.Findings, label, res.Matched, again(res.Fresh))
		switch {
		case res.Skipped == 1:
			say("1 result passed over: informational, fixed, suppressed or not affecting")
		case res.Skipped > 1:
			say("%d results passed over: informational, fixed, suppressed or not affecting", res.Skipped)
		}
		if len(res.Unmatched) > 0 {
			say("not in the ePHI inventory: %s", strings.Join(clip(res.Unmatched, 10), "; "))
		}
		if res.Suppressed > 0 {
			say("%s closed as VEX statements say: not affected, or fixed", plural(res.Suppressed, "finding", "findings"))
		}
	case ingest.KindVEX:
		sc, err := scope()
		if err != nil {
			return err
		}
		doc, err := ingest.ReadVEX(kind, name, r)
		if err != nil {
			return err
		}
		res, err := sc.ImportVEX(ctx, kind, name, out.SHA256, out.Size, doc, req.After...)
		if err != nil {
			return err
		}
		out.Import, out.Fresh, out.Records = res.Record.ID, res.Fresh, res.Statements
		say("%s: %d VEX statements (%s): %s closed as not affected or fixed, %d opened again%s.", name, res.Statements, format.Label, plural(res.Closed, "open finding", "open findings"), res.Reopened, again(res.Fresh))
	case ingest.KindConfig:
		sc, err := scope()
		if err != nil {
			return err
		}
		rep, err := ingest.ReadScuba(name, r)
		if err != nil {
			return err
		}
		res, err := sc.ImportConfigControls(ctx, kind, name, out.SHA256, out.Size, rep, req.After...)
		if err != nil {
			return err
		}
		out.Import, out.Fresh, out.Records, out.Replaced = res.Record.ID, res.Fresh, res.Controls, res.Replaced
		tenant := ""
		if rep.Tenant != "" {
			tenant = " of " + rep.Tenant
		}
		pass, fail := 0, 0
		for _, c := range rep.Controls {
			switch strings.ToLower(c.Result) {
			case "pass":
				pass++
			case "fail", "warning":
				fail++
			}
		}
		say("%s: %d controls%s (%s): %d passed, %d failed or warned%s.", name, res.Controls, tenant, format.Label, pass, fail, again(res.Fresh))
	case ingest.KindEmailReport:
		sc, err := scope()
		if err != nil {
			return err
		}
		return emailReport(ctx, req, sc, name, format, r, raw, out)
	case ingest.KindTLS:
		sc, err := scope()
		if err != nil {
			return err
		}
		return tlsReport(ctx, req, sc, name, format, r, raw, out)
	case ingest.KindDevices:
		sc, err := scope()
		if err != nil {
			return err
		}
		return devices(ctx, req, sc, name, format, r, out)
	case ingest.KindBackups:
		sc, err := scope()
		if err != nil {
			return err
		}
		return backups(ctx, req, sc, name, format, r, out)
	case ingest.KindFramework:
		sc, err := scope()
		if err != nil {
			return err
		}
		return framework(ctx, req, sc, name, format, r, out)
	case ingest.KindMFA:
		sc, err := scope()
		if err != nil {
			return err
		}
		res, err := sc.ImportMFARegistrations(ctx, name, out.SHA256, out.Size, func(emit func(*ingest.MFARegistration) error) (*ingest.AccountsInfo, error) {
			return ingest.ReadMFARegistrations(name, r, emit)
		}, req.After...)
		if err != nil {
			return err
		}
		out.Import, out.Fresh, out.Records, out.Replaced, out.Unused = res.Record.ID, res.Fresh, res.Accounts, res.Replaced, res.Unused
		say("%s: MFA registration of %d users (%s)%s.", name, res.Accounts, format.Label, again(res.Fresh))
	case ingest.KindAccounts:
		sc, err := scope()
		if err != nil {
			return err
		}
		system := strings.TrimSpace(req.System)
		if system == "" {
			system = format.System
		}
		out.System = system
		read := func(emit func(*identity.Keyed) error) (*ingest.AccountsInfo, error) {
			return ingest.ReadAccounts(name, r, kind, func(a *ingest.Account) error { return emit(identity.Key(a)) })
		}
		if req.Preview {
			plan, err := sc.PlanAccounts(ctx, kind, system, name, out.SHA256, out.Size, read)
			if err != nil {
				return err
			}
			out.Plan, out.Records, out.Unused = plan, plan.Accounts, plan.Unused
			if plan.Again {
				say("%s: imported before; importing it again changes nothing.", name)
				return nil
			}
			say("%s: %d accounts (%s) of %s. Importing it would add %d, change %d and remove %d of %s's accounts (%d unchanged); nothing is written until it is applied.",
				name, plan.Accounts, format.Label, system, plan.Added, plan.Changed, plan.Removed, system, plan.Unchanged)
			for _, k := range []string{"added", "changed", "removed"} {
				if ex := plan.Examples[k]; len(ex) > 0 {
					say("%s: %s", k, strings.Join(ex, ", "))
				}
			}
			return nil
		}
		res, err := sc.ImportAccounts(ctx, kind, system, name, out.SHA256, out.Size, read, req.After...)
		if err != nil {
			return err
		}
		out.Import, out.Fresh, out.Records, out.Matched, out.Replaced, out.Unused = res.Record.ID, res.Fresh, res.Accounts, res.Matched, res.Replaced, res.Unused
		say("%s: %d accounts (%s) of %s, %d matched to people of the roster%s.", name, res.Accounts, format.Label, system, res.Matched, again(res.Fresh))
		if res.Fresh && res.Replaced > 0 {
			say("replaced the %d accounts of %s's previous export", res.Replaced, system)
		}
	}
	return nil
}

// hash reads the file through SHA-256.
func (req *Request) hash(name string) (string, int64, error) {
	f, err := req.open(name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return "", 0, errs.Wrap(errs.Invalid, "cannot read "+name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// hashed hashes the bytes read through it.
type hashed struct {
	r io.Reader
	h hash.Hash
}

func (h *hashed) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

// sum reads what is left of the file and returns the SHA-256 of all of it.
func (h *hashed) sum() (string, error) {
	if _, err := io.Copy(io.Discard, h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.h.Sum(nil)), nil
}

// counter reports the bytes read through it, at most every 256 KiB.
type counter struct {
	r          io.Reader
	size       int64
	read, last int64
	report     func(read, size int64)
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.read-c.last >= 256<<10 {
		c.last = c.read
		c.report(c.read, c.size)
	}
	return n, err
}

func again(fresh bool) string {
	if fresh {
		return ""
	}
	return " — imported before, nothing changed"
}

// clip keeps the first n of list, saying how many more there were.
func clip(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(slices.Clone(list[:n]), fmt.Sprintf("and %d more", len(list)-n))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
