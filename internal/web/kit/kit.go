// Package kit is the HTTP plumbing the web pages and the JSON API share:
// the organisation a request is scoped to (put in its context by the
// guard), JSON in and out, errors mapped to statuses, multipart uploads
// (a form's file read within a limit, or an import streamed into the
// blob store and enqueued), paging windows and the import job as both
// show it. It holds no route and renders no page.
package kit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

type scopeKey struct{}

// WithScope puts the request's organisation in its context.
func WithScope(ctx context.Context, sc *Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, sc)
}

// ScopeFrom is the organisation the guard admitted the request to; nil
// outside an organisation's routes.
func ScopeFrom(ctx context.Context) *Scope {
	sc, _ := ctx.Value(scopeKey{}).(*Scope)
	return sc
}

// WriteJSON writes v as indented JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// APIError writes err as the API's error object with its kind's status;
// a server error is logged, its detail never sent.
func APIError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	status := errs.HTTPStatus(err)
	if status >= 500 {
		log.Error("api request failed", "path", r.URL.Path, "err", err)
	}
	WriteJSON(w, status, map[string]string{"error": errs.Message(err), "kind": string(errs.KindOf(err))})
}

// UserError reports whether err is the user's to fix (a bad field, a
// conflict, a file too large) rather than the server's.
func UserError(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Conflict, errs.TooLarge:
		return true
	}
	return false
}

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// DecodeJSON reads a JSON body strictly: unknown fields, trailing data and
// oversized bodies are refused with a message naming what is wrong.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return errs.New(errs.TooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooBig.Limit))
		case errors.As(err, &syn):
			return errs.New(errs.Invalid, fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset))
		case errors.As(err, &typ):
			return errs.New(errs.Invalid, fmt.Sprintf("field %q: expected %s", typ.Field, typ.Type))
		case errors.Is(err, io.EOF):
			return errs.New(errs.Invalid, "the request body is empty: send a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return errs.New(errs.Invalid, "unknown "+strings.TrimPrefix(err.Error(), "json: "))
		}
		return errs.New(errs.Invalid, "the body is not the JSON this route takes: "+err.Error())
	}
	if dec.More() {
		return errs.New(errs.Invalid, "the body holds more than one JSON value")
	}
	return nil
}

// NonNil is s, or an empty slice for nil, so that JSON says [] not null.
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// PageSize is how many rows a list shows when the request does not say.
const PageSize = 100

// RiskFilter reads the register's filters from a page's or the API's
// query: level, owner, asset, threat, response, status, words (q), and a
// cell of the heat map (likelihood, impact: ratings from 1 to 10). A
// rating that is not one is Invalid, naming the parameter; the rest of the
// filter is still read.
func RiskFilter(q url.Values) (risk.Filter, error) {
	f := risk.Filter{Level: q.Get("level"), Owner: q.Get("owner"), Asset: q.Get("asset"), Threat: q.Get("threat"), Response: q.Get("response"), Status: q.Get("status"), Query: q.Get("q")}
	var bad error
	for _, c := range []struct {
		name string
		to   *int
	}{{"likelihood", &f.Likelihood}, {"impact", &f.Impact}} {
		if v := q.Get(c.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 10 {
				bad = cmp.Or(bad, errs.New(errs.Invalid, fmt.Sprintf("%s: %q is not a rating from 1 to 10", c.name, v)))
				continue
			}
			*c.to = n
		}
	}
	return f, bad
}

// Window reads ?offset= and ?limit= (at most 1000; PageSize when absent).
func Window(r *http.Request) (offset, limit int, err error) {
	q := r.URL.Query()
	limit = PageSize
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return 0, 0, errs.New(errs.Invalid, "limit: a number from 1 to 1000")
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, errs.New(errs.Invalid, "offset: a number from 0")
		}
	}
	return offset, limit, nil
}

// Cursors reads a request for a page of a list paged by cursor: after
// or before (the next or prev a page gave) and limit (1 to 1000, default
// PageSize). Such a list has no offset: a page is found by the row it
// starts from, not by counting the rows before it.
func Cursors(r *http.Request) (after, before string, limit int, err error) {
	q := r.URL.Query()
	if q.Has("offset") {
		return "", "", 0, errs.New(errs.Invalid, "offset: this list pages by cursor: pass the next (or prev) of the page before as after (or before)")
	}
	_, limit, err = Window(r)
	return q.Get("after"), q.Get("before"), limit, err
}
