package dataimport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
)

// The kinds of the organisation's own records a file may hold, imported
// in two steps: planned against the records as they stand (every bad cell
// named, nothing written), then applied in one transaction.
const (
	RecordAssets = "assets" // the ePHI inventory (risk.AssetColumns)
	RecordRisks  = "risks"  // the risk register (risk.RiskColumns)
)

// A Plan is a file of records read against the records as they stand:
// what applying it would add and change. Its digest names the file and
// those records, so an apply can refuse a plan the records moved under.
type Plan struct {
	Kind   string
	File   string
	Assets *risk.AssetPlan // for RecordAssets
	Risks  *risk.RiskPlan  // for RecordRisks
	Digest string
}

// Summary says what the plan would do, in a line.
func (p *Plan) Summary() string {
	if p.Assets != nil {
		return fmt.Sprintf("%s: %d asset(s) to add, %d to update, %d unchanged.", p.File, len(p.Assets.Add), len(p.Assets.Update), p.Assets.Unchanged)
	}
	return fmt.Sprintf("%s: %d risk(s) to add, %d to update, %d new vulnerabilit(ies).", p.File, len(p.Risks.Add), len(p.Risks.Update), len(p.Risks.NewVulns))
}

// Outcome says what applying the plan did, in a line.
func (p *Plan) Outcome() string {
	if p.Assets != nil {
		return fmt.Sprintf("Imported %s: %d added, %d updated, %d unchanged.", p.File, len(p.Assets.Add), len(p.Assets.Update), p.Assets.Unchanged)
	}
	return fmt.Sprintf("Imported %s: %d risk(s) added, %d updated.", p.File, len(p.Risks.Add), len(p.Risks.Update))
}

// PlanRecords reads a file of kind (RecordAssets, RecordRisks) against the
// organisation's register: the page's preview, the API and the command
// line all plan through it. Errors: Invalid naming every bad cell by line
// and column, or for an unknown kind.
func PlanRecords(ctx context.Context, sc *store.Scoped, threats *risk.Threats, kind, file string, content []byte) (*Plan, error) {
	if kind != RecordAssets && kind != RecordRisks {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("no import of %q records: %s or %s", kind, RecordAssets, RecordRisks))
	}
	g, err := sc.RiskRegister(ctx, threats)
	if err != nil {
		return nil, err
	}
	p := &Plan{Kind: kind, File: file}
	if kind == RecordAssets {
		p.Assets, err = risk.PlanAssets(file, bytes.NewReader(content), g.Assets)
	} else {
		p.Risks, err = risk.PlanRisks(file, bytes.NewReader(content), g)
	}
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", kind)
	for _, a := range g.Assets {
		fmt.Fprintf(h, "a %s %s\n", a.ID, a.UpdatedAt)
	}
	for _, rk := range g.Risks {
		fmt.Fprintf(h, "r %s %s\n", rk.ID, rk.UpdatedAt)
	}
	h.Write(content)
	p.Digest = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

// Apply writes the plan in one transaction, with its audit entry.
func (p *Plan) Apply(ctx context.Context, sc *store.Scoped) error {
	if p.Assets != nil {
		return sc.ApplyAssetPlan(ctx, p.Assets)
	}
	return sc.ApplyRiskPlan(ctx, p.Risks)
}

// ApplyPreviewed plans a file kept since its preview again and applies it,
// provided the plan's digest is still the preview's: neither the file nor
// the register moved. Errors: Conflict when they did.
func ApplyPreviewed(ctx context.Context, sc *store.Scoped, threats *risk.Threats, kind, file string, content []byte, digest string) (*Plan, error) {
	p, err := PlanRecords(ctx, sc, threats, kind, file, content)
	if err != nil {
		return nil, err
	}
	if p.Digest != digest {
		return nil, errs.New(errs.Conflict, "the register changed since the preview: upload the file again to see what it would do now")
	}
	return p, p.Apply(ctx, sc)
}
