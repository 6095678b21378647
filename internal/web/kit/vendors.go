package kit

import (
	"context"
	"time"

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
	return vendor.Views(vs, names, as, now.Format(time.DateOnly)), nil
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
