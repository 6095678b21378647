package kit

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/ingest"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// VendorRecords are the vendor register and what it links to.
type VendorRecords interface {
	Vendors(ctx context.Context) ([]*vendor.Vendor, error)
	Vendor(ctx context.Context, id string) (*vendor.Vendor, error)
	CreateVendor(ctx context.Context, v *vendor.Vendor, after ...store.TxFunc) error
	UpdateVendor(ctx context.Context, v *vendor.Vendor, after ...store.TxFunc) error
	DeleteVendor(ctx context.Context, id string, after ...store.TxFunc) error
	AssetNames(ctx context.Context) (byName, byID map[string]string, err error)
	Assets(ctx context.Context) ([]*risk.Asset, error)
	Flows(ctx context.Context) ([]*risk.Flow, error)
	Agreements(ctx context.Context, vendorID string) ([]*vendor.Agreement, error)
	Agreement(ctx context.Context, id string) (*vendor.Agreement, error)
	SaveAgreement(ctx context.Context, a *vendor.Agreement, after ...store.TxFunc) error
	DeleteAgreement(ctx context.Context, id string, after ...store.TxFunc) error
	VendorReviews(ctx context.Context, vendorID string) ([]*vendor.Review, error)
	AddVendorReview(ctx context.Context, r *vendor.Review, after ...store.TxFunc) error
	VendorIncidents(ctx context.Context, vendorID string) ([]*vendor.Incident, error)
	AddVendorIncident(ctx context.Context, i *vendor.Incident, after ...store.TxFunc) error
	ImportsOfKinds(ctx context.Context, kinds []string, limit int) ([]*store.DataImport, error)
	VendorSBOMs(ctx context.Context, vendorID string) ([]*store.DataImport, error)
	LinkVendorSBOM(ctx context.Context, vendorID, importID string, kinds []string, after ...store.TxFunc) error
	UnlinkVendorSBOM(ctx context.Context, vendorID, importID string, after ...store.TxFunc) error
	QuestionnaireRequests(ctx context.Context, vendorID string) ([]*vendor.Request, error)
}

// SBOMFormats are the imports a vendor's products' SBOMs may be.
var SBOMFormats = []string{ingest.FormatCycloneDX, ingest.FormatCycloneDXXML, ingest.FormatSPDX}

// IncidentLine is an incident at a vendor with how its notice measured
// against what the vendor's agreements promise.
type IncidentLine struct {
	*vendor.Incident
	Notice    vendor.NoticeStatus `json:"notice"`
	NoticeWhy string              `json:"notice_why"`
	Promised  int                 `json:"promised_hours"`
}

// VendorIncidents are a vendor's incidents, each measured on now against
// the notice its agreements in force when it became aware promised.
func VendorIncidents(ctx context.Context, rs VendorRecords, vendorID string, now time.Time) ([]IncidentLine, error) {
	is, err := rs.VendorIncidents(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	as, err := rs.Agreements(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	out := []IncidentLine{}
	for _, i := range is {
		promised := vendor.PromisedHours(as, i.AwareAt.UTC().Format(time.DateOnly))
		status, why := i.Notice(promised, now)
		out = append(out, IncidentLine{Incident: i, Notice: status, NoticeWhy: why, Promised: promised})
	}
	return out, nil
}

// VendorViews is the register as the pages and the API show it on the
// day of now.
func VendorViews(ctx context.Context, rs VendorRecords, now time.Time) ([]*vendor.View, error) {
	vs, err := rs.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	_, names, err := rs.AssetNames(ctx)
	if err != nil {
		return nil, err
	}
	as, err := rs.Agreements(ctx, "")
	if err != nil {
		return nil, err
	}
	reviews, err := rs.VendorReviews(ctx, "")
	if err != nil {
		return nil, err
	}
	sent, err := rs.QuestionnaireRequests(ctx, "")
	if err != nil {
		return nil, err
	}
	views := vendor.Views(vs, names, as, reviews, now.UTC().Format(time.DateOnly))
	vendor.AddQuestionnaires(views, sent, now)
	return views, nil
}

// ExportVendors is the register as a download in format (csv or xlsx):
// its file name, content type and bytes. Errors: Invalid for another
// format.
func ExportVendors(ctx context.Context, rs VendorRecords, org, format string, now time.Time) (name, contentType string, data []byte, err error) {
	vs, err := rs.Vendors(ctx)
	if err != nil {
		return "", "", nil, err
	}
	_, names, err := rs.AssetNames(ctx)
	if err != nil {
		return "", "", nil, err
	}
	header, rows := vendor.Export(vs, names)
	name = org + "-vendors-" + now.UTC().Format(time.DateOnly)
	switch format {
	case "", "csv":
		data, err = tabular.WriteCSV(header, rows)
		name, contentType = name+".csv", "text/csv; charset=utf-8"
	case "xlsx":
		data, err = tabular.WriteXLSX("Vendors", header, rows)
		name, contentType = name+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return "", "", nil, errs.New(errs.Invalid, "format: csv or xlsx")
	}
	if err != nil {
		return "", "", nil, errs.Wrap(errs.Internal, "", err)
	}
	return name, contentType, data, nil
}

// agreementItems are the Security Rule's items a business associate
// agreement is evidence for.
var agreementItems = []string{"hipaa-sr/164.308(b)(1)", "hipaa-sr/164.308(b)(3)", "hipaa-sr/164.314(a)(1)", "hipaa-sr/164.314(a)(2)(i)"}

// SaveAgreement reads an agreement's form (kind, title, the dates,
// notice_hours, notes, each term ticked as "term" with its place as
// "where_<term>", and evidence_id) for the vendor, with, optionally, its
// signed document in the field "file", which goes into the evidence vault
// linked to 164.308(b) and 164.314(a); then saves it through the vendor
// service (id "" adds one).
// Errors: those of the upload, the vault and the store.
func (fs *Files) SaveAgreement(w http.ResponseWriter, r *http.Request, v *vendor.Vendor, id string) (*vendor.Agreement, error) {
	max := fs.Evidence.MaxBytes
	if max <= 0 {
		max = evidence.DefaultMaxBytes
	}
	f, h, err := ReadOptionalUpload(fs.Events, w, r, max, "the signed agreement")
	if err != nil {
		return nil, err // the form is not read: the page shows the agreement as it stands
	}
	hours, _ := strconv.Atoi(strings.TrimSpace(r.FormValue("notice_hours")))
	a := &vendor.Agreement{ID: id, VendorID: v.ID, Kind: vendor.AgreementKind(r.FormValue("kind")), Title: r.FormValue("title"),
		SignedOn: r.FormValue("signed_on"), EffectiveOn: r.FormValue("effective_on"), ExpiresOn: r.FormValue("expires_on"), ReviewBy: r.FormValue("review_by"),
		ReviewedOn: r.FormValue("reviewed_on"), NoticeHours: hours, Notes: r.FormValue("notes"), EvidenceID: r.FormValue("evidence_id"), Terms: map[string]vendor.TermMark{}}
	for _, t := range r.Form["term"] {
		a.Terms[t] = vendor.TermMark{Present: true, Where: r.FormValue("where_" + t)}
	}
	if err := a.Validate(); err != nil {
		if f != nil {
			f.Close()
		}
		return a, err
	}
	sc := ScopeFrom(r.Context())
	if f != nil {
		defer f.Close()
		e := &evidence.Evidence{Title: a.Kind.Label() + ": " + v.Name, Description: a.Title, CollectedOn: a.SignedOn, ReviewBy: a.ReviewBy}
		if a.Covers() {
			e.Items = agreementItems
		}
		if err := fs.Evidence.Upload(r.Context(), sc.Evidence(), e, evidence.File{Name: h.Filename, Body: f}); err != nil {
			return a, err
		}
		a.EvidenceID = e.ID
	}
	return a, fs.Vendors.SaveAgreement(r.Context(), sc.Vendors(), sc.Org().ID, a)
}
