package pages

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/inventory"
	"github.com/safeguard-health/safeguard/internal/lifecycle"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The inventory reconciled with the organisation's data (HPH CPG enhanced
// goal 1): what the device exports, scans and TLS endpoints show that no
// asset names, added in one action; and the assets none has seen.

type reconcileView struct {
	programView
	Rec *inventory.Reconciliation
}

func (s *Server) reconcilePage(w http.ResponseWriter, r *http.Request) {
	s.renderReconcile(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderReconcile(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	rec, err := inventory.Reconcile(r.Context(), sc.Inventory(), s.now(), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "reconcile", status, page{Title: "Reconcile the inventory · " + sc.Org().Name,
		Data: &reconcileView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Rec: rec}})
}

func (s *Server) reconcileAdd(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	keys := []string{"all"}
	if r.FormValue("all") == "" { // FormValue parses the form
		keys = r.Form["key"]
	}
	if len(keys) == 0 {
		s.refuse(w, r, errs.New(errs.Invalid, "choose what to add to the inventory"), s.renderReconcile)
		return
	}
	added, err := inventory.Add(r.Context(), sc.Inventory(), s.now(), keys)
	if err != nil {
		s.refuse(w, r, err, s.renderReconcile)
		return
	}
	notice := fmt.Sprintf("Added %d to the inventory: give each its owner, what it does with ePHI and its criticality.", len(added))
	if len(added) == 1 {
		notice = "Added " + added[0].Name + " to the inventory: give it its owner, what it does with ePHI and its criticality."
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/risk/assets/reconcile?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

type devicesView struct {
	programView
	Devices   []*store.Device
	Filter    store.DeviceFilter
	Sources   []formatOption
	Page      pager
	Lifecycle string // the support list's date
}

// devicesPage lists the devices the device managers' exports hold, with
// what the device checks read of each.
func (s *Server) devicesPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	list, total, f, err := kit.DevicesPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var sources []formatOption
	for _, fm := range ingest.Formats() {
		if fm.Kind == ingest.KindDevices {
			sources = append(sources, formatOption{fm.ID, fm.Label})
		}
	}
	s.render(w, r, "devices", http.StatusOK, page{Title: "Devices · " + sc.Org().Name,
		Data: &devicesView{programView: programView{Scope: sc}, Devices: list, Filter: f, Sources: sources, Page: newPager(r, f.Offset, f.Limit, len(list), total), Lifecycle: lifecycle.AsOf}})
}
