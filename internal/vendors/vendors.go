// Package vendors is the service of the vendor register: pages, the API
// and the command line change vendors, their agreements, reviews,
// incidents and SBOMs through it. Each change is one transaction of the
// store with its audit entry and, in it, a run of the organisation's
// checks queued: the vendor checks (business associate agreements,
// cybersecurity requirements, vulnerability disclosure, incident
// reporting) read what was just changed, so the scorecard and the do-next
// list follow the register as they follow an import.
package vendors

import (
	"context"

	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// Records are one organisation's vendor register (store.Scoped).
type Records interface {
	CreateVendor(ctx context.Context, v *vendor.Vendor, after ...store.TxFunc) error
	UpdateVendor(ctx context.Context, v *vendor.Vendor, after ...store.TxFunc) error
	DeleteVendor(ctx context.Context, id string, after ...store.TxFunc) error
	SaveAgreement(ctx context.Context, a *vendor.Agreement, after ...store.TxFunc) error
	DeleteAgreement(ctx context.Context, id string, after ...store.TxFunc) error
	AddVendorReview(ctx context.Context, r *vendor.Review, after ...store.TxFunc) error
	AddVendorIncident(ctx context.Context, i *vendor.Incident, after ...store.TxFunc) error
	LinkVendorSBOM(ctx context.Context, vendorID, importID string, kinds []string, after ...store.TxFunc) error
	UnlinkVendorSBOM(ctx context.Context, vendorID, importID string, after ...store.TxFunc) error
}

var _ Records = (*store.Scoped)(nil)

// Queue queues the checks after the register changes (internal/jobs'
// engine).
type Queue = store.ChecksQueue

// Service is the vendor register's service.
type Service struct {
	Queue Queue // none: no check run is queued
}

func (s *Service) after(orgID string) []store.TxFunc { return store.QueueChecks(s.Queue, orgID) }

// Create adds a vendor to the register of the organisation orgID.
// Errors: Invalid naming the field, Conflict.
func (s *Service) Create(ctx context.Context, rs Records, orgID string, v *vendor.Vendor) error {
	return rs.CreateVendor(ctx, v, s.after(orgID)...)
}

// Update saves a vendor again. Errors: Invalid, NotFound, Conflict.
func (s *Service) Update(ctx context.Context, rs Records, orgID string, v *vendor.Vendor) error {
	return rs.UpdateVendor(ctx, v, s.after(orgID)...)
}

// Delete removes a vendor. Errors: NotFound, Conflict (a subcontractor
// of it remains).
func (s *Service) Delete(ctx context.Context, rs Records, orgID, id string) error {
	return rs.DeleteVendor(ctx, id, s.after(orgID)...)
}

// SaveAgreement records an agreement with a vendor, or saves one again.
// Errors: Invalid naming the field, NotFound.
func (s *Service) SaveAgreement(ctx context.Context, rs Records, orgID string, a *vendor.Agreement) error {
	return rs.SaveAgreement(ctx, a, s.after(orgID)...)
}

// DeleteAgreement removes an agreement. Errors: NotFound.
func (s *Service) DeleteAgreement(ctx context.Context, rs Records, orgID, id string) error {
	return rs.DeleteAgreement(ctx, id, s.after(orgID)...)
}

// AddReview records a review of a vendor. Errors: Invalid, NotFound.
func (s *Service) AddReview(ctx context.Context, rs Records, orgID string, r *vendor.Review) error {
	return rs.AddVendorReview(ctx, r, s.after(orgID)...)
}

// AddIncident records an incident a vendor notified. Errors: Invalid,
// NotFound.
func (s *Service) AddIncident(ctx context.Context, rs Records, orgID string, i *vendor.Incident) error {
	return rs.AddVendorIncident(ctx, i, s.after(orgID)...)
}

// LinkSBOM links an imported SBOM (one of kinds) to a vendor. Errors:
// NotFound, Invalid.
func (s *Service) LinkSBOM(ctx context.Context, rs Records, orgID, vendorID, importID string, kinds []string) error {
	return rs.LinkVendorSBOM(ctx, vendorID, importID, kinds, s.after(orgID)...)
}

// UnlinkSBOM removes an SBOM's link to a vendor.
func (s *Service) UnlinkSBOM(ctx context.Context, rs Records, orgID, vendorID, importID string) error {
	return rs.UnlinkVendorSBOM(ctx, vendorID, importID, s.after(orgID)...)
}
