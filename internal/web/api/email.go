package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

func (s *Server) apiEmail(w http.ResponseWriter, r *http.Request) {
	p, err := emailsec.ReadPosture(r.Context(), kit.ScopeFrom(r.Context()).Email())
	s.apiResult(w, r, http.StatusOK, p, err)
}

// apiProbeEmail queues a probe of the organisation's email domains: 202,
// and GET …/email shows what it found once done.
func (s *Server) apiProbeEmail(w http.ResponseWriter, r *http.Request) {
	var err error
	if s.email == nil {
		err = errs.New(errs.Unavailable, "this server has no job engine to probe the domains")
	} else {
		err = s.email.Request(r.Context(), kit.ScopeFrom(r.Context()).Email())
	}
	s.apiResult(w, r, http.StatusAccepted, map[string]any{"queued": true}, err)
}

// apiEmailReports is what the DMARC aggregate and SMTP TLS reports of the
// last emailsec.Window days say of the organisation's domains.
func (s *Server) apiEmailReports(w http.ResponseWriter, r *http.Request) {
	rep, err := emailsec.ReadReports(r.Context(), kit.ScopeFrom(r.Context()).Email(), s.now())
	s.apiResult(w, r, http.StatusOK, rep, err)
}
