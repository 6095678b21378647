package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

func (s *Server) apiVendors(w http.ResponseWriter, r *http.Request) {
	vs, err := kit.VendorViews(r.Context(), kit.ScopeFrom(r.Context()).Vendors(), s.now())
	s.apiResult(w, r, http.StatusOK, map[string]any{"vendors": kit.NonNil(vs)}, err)
}

// vendorView is one vendor's view, read back after a change.
func (s *Server) vendorView(r *http.Request, id string) (*vendor.View, error) {
	vs, err := kit.VendorViews(r.Context(), kit.ScopeFrom(r.Context()).Vendors(), s.now())
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.ID == id {
			return v, nil
		}
	}
	return nil, errs.New(errs.NotFound, "vendor not found")
}

func (s *Server) apiVendor(w http.ResponseWriter, r *http.Request) {
	v, err := s.vendorView(r, r.PathValue("id"))
	s.apiResult(w, r, http.StatusOK, v, err)
}

func (s *Server) apiCreateVendor(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var v vendor.Vendor
	if err := kit.DecodeJSON(w, r, &v); err != nil {
		s.apiError(w, r, err)
		return
	}
	v.ID = ""
	if err := s.vendors.Create(r.Context(), sc.Vendors(), sc.Org().ID, &v); err != nil {
		s.apiError(w, r, err)
		return
	}
	view, err := s.vendorView(r, v.ID)
	s.apiResult(w, r, http.StatusCreated, view, err)
}

func (s *Server) apiSaveVendor(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var v vendor.Vendor
	if err := kit.DecodeJSON(w, r, &v); err != nil {
		s.apiError(w, r, err)
		return
	}
	v.ID = r.PathValue("id")
	if err := s.vendors.Update(r.Context(), sc.Vendors(), sc.Org().ID, &v); err != nil {
		s.apiError(w, r, err)
		return
	}
	view, err := s.vendorView(r, v.ID)
	s.apiResult(w, r, http.StatusOK, view, err)
}

func (s *Server) apiDeleteVendor(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.vendors.Delete(r.Context(), sc.Vendors(), sc.Org().ID, r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiImportVendors(w http.ResponseWriter, r *http.Request) {
	s.apiImportFile(w, r, "vendors")
}

func (s *Server) apiExportVendors(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	name, ctype, data, err := kit.ExportVendors(r.Context(), sc.Vendors(), sc.Org().Slug, r.URL.Query().Get("format"), s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	kit.Attachment(w, name, ctype, data)
}

// agreementOf is the agreement the request names, the vendor's it names.
func agreementOf(r *http.Request) (*vendor.Agreement, error) {
	a, err := kit.ScopeFrom(r.Context()).Vendors().Agreement(r.Context(), r.PathValue("agreement"))
	if err == nil && a.VendorID != r.PathValue("id") {
		err = errs.New(errs.NotFound, "agreement not found")
	}
	return a, err
}

func (s *Server) apiAgreements(w http.ResponseWriter, r *http.Request) {
	v, err := s.vendorView(r, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	as, err := kit.ScopeFrom(r.Context()).Vendors().Agreements(r.Context(), v.ID)
	s.apiResult(w, r, http.StatusOK, map[string]any{"agreements": kit.NonNil(as), "standing": v.Agreement, "standing_why": v.AgreementWhy, "terms": vendor.Terms}, err)
}

func (s *Server) apiSaveAgreement(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var a vendor.Agreement
	if err := kit.DecodeJSON(w, r, &a); err != nil {
		s.apiError(w, r, err)
		return
	}
	a.VendorID, a.ID = r.PathValue("id"), ""
	status := http.StatusCreated
	if r.PathValue("agreement") != "" {
		old, err := agreementOf(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		a.ID, status = old.ID, http.StatusOK
	} else if _, err := s.vendorView(r, a.VendorID); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiResult(w, r, status, &a, s.vendors.SaveAgreement(r.Context(), sc.Vendors(), sc.Org().ID, &a))
}

func (s *Server) apiDeleteAgreement(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	a, err := agreementOf(r)
	if err == nil {
		err = s.vendors.DeleteAgreement(r.Context(), sc.Vendors(), sc.Org().ID, a.ID)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiVendorReviews(w http.ResponseWriter, r *http.Request) {
	v, err := s.vendorView(r, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rs, err := kit.ScopeFrom(r.Context()).Vendors().VendorReviews(r.Context(), v.ID)
	s.apiResult(w, r, http.StatusOK, map[string]any{"reviews": kit.NonNil(rs), "standing": v.Review, "next_review": v.NextReview, "standing_why": v.ReviewWhy}, err)
}

func (s *Server) apiAddVendorReview(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var rev vendor.Review
	if err := kit.DecodeJSON(w, r, &rev); err != nil {
		s.apiError(w, r, err)
		return
	}
	rev.ID, rev.VendorID = "", r.PathValue("id")
	s.apiResult(w, r, http.StatusCreated, &rev, s.vendors.AddReview(r.Context(), sc.Vendors(), sc.Org().ID, &rev))
}

func (s *Server) apiVendorIncidents(w http.ResponseWriter, r *http.Request) {
	v, err := s.vendorView(r, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	is, err := kit.VendorIncidents(r.Context(), kit.ScopeFrom(r.Context()).Vendors(), v.ID, s.now())
	s.apiResult(w, r, http.StatusOK, map[string]any{"incidents": is}, err)
}

func (s *Server) apiAddVendorIncident(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var i vendor.Incident
	if err := kit.DecodeJSON(w, r, &i); err != nil {
		s.apiError(w, r, err)
		return
	}
	i.ID, i.VendorID = "", r.PathValue("id")
	s.apiResult(w, r, http.StatusCreated, &i, s.vendors.AddIncident(r.Context(), sc.Vendors(), sc.Org().ID, &i))
}

func (s *Server) apiVendorSBOMs(w http.ResponseWriter, r *http.Request) {
	v, err := s.vendorView(r, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ds, err := kit.ScopeFrom(r.Context()).Vendors().VendorSBOMs(r.Context(), v.ID)
	s.apiResult(w, r, http.StatusOK, map[string]any{"sboms": ds}, err)
}

func (s *Server) apiLinkVendorSBOM(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var body struct {
		Import string `json:"import"`
	}
	if err := kit.DecodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.vendors.LinkSBOM(r.Context(), sc.Vendors(), sc.Org().ID, r.PathValue("id"), body.Import, kit.SBOMFormats); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiUnlinkVendorSBOM(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.vendors.UnlinkSBOM(r.Context(), sc.Vendors(), sc.Org().ID, r.PathValue("id"), r.PathValue("import")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
