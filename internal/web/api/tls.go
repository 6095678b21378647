package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// apiTLS is the organisation's TLS endpoints, each with its newest result
// from each source.
func (s *Server) apiTLS(w http.ResponseWriter, r *http.Request) {
	p, err := tlssec.ReadPosture(r.Context(), kit.ScopeFrom(r.Context()).TLS())
	s.apiResult(w, r, http.StatusOK, p, err)
}

// apiProbeTLS queues a probe of the organisation's TLS endpoints: 202, and
// GET …/tls shows what it found once done.
func (s *Server) apiProbeTLS(w http.ResponseWriter, r *http.Request) {
	var err error
	if s.tls == nil {
		err = errs.New(errs.Unavailable, "this server has no job engine to probe the endpoints")
	} else {
		err = s.tls.Request(r.Context(), kit.ScopeFrom(r.Context()).TLS())
	}
	s.apiResult(w, r, http.StatusAccepted, map[string]any{"queued": true}, err)
}
