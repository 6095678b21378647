// Package errs is Safeguard's one error type: a kind that callers branch on
// (and that maps to an HTTP status and an exit code), a message that is safe
// to show a user, and the underlying error for the log.
package errs

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Kind classifies an error.
type Kind string

const (
	Internal    Kind = "internal"    // a bug or an unexpected failure; details go to the log only
	Invalid     Kind = "invalid"     // the caller's input is wrong
	NotFound    Kind = "not_found"   // the thing asked for does not exist
	Conflict    Kind = "conflict"    // the request clashes with existing state (a duplicate)
	Forbidden   Kind = "forbidden"   // the caller may not do this
	Unavailable Kind = "unavailable" // a dependency (the database, a port) cannot be reached
	// Unauthenticated: the caller has not proved who they are (or their
	// session ended).
	Unauthenticated Kind = "unauthenticated"
	// RateLimited: too many attempts; try again later.
	RateLimited Kind = "rate_limited"
	// TooLarge: the request body is over its limit.
	TooLarge Kind = "too_large"
	// Gone: what was asked for existed but is no longer usable (a used or
	// expired link).
	Gone Kind = "gone"
)

// Error is an error with a kind and a user-safe message.
type Error struct {
	Kind Kind
	Msg  string // safe to show to a user
	Err  error  // the cause, for the log
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg != "" {
		return e.Msg + ": " + e.Err.Error()
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with message msg.
func New(k Kind, msg string) error { return &Error{Kind: k, Msg: msg} }

// Wrap returns an error of kind k with message msg and cause err.
func Wrap(k Kind, msg string, err error) error { return &Error{Kind: k, Msg: msg, Err: err} }

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Message returns the user-safe message of err: the message of its first
// *Error, or a generic one for internal errors.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Msg != "" && e.Kind != Internal {
		return e.Msg
	}
	return "internal error"
}

// HTTPStatus maps an error's kind to an HTTP status code.
func HTTPStatus(err error) int {
	switch KindOf(err) {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Forbidden:
		return http.StatusForbidden
	case Unavailable:
		return http.StatusServiceUnavailable
	case Unauthenticated:
		return http.StatusUnauthorized
	case RateLimited:
		return http.StatusTooManyRequests
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Gone:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// Longest is an Invalid error naming the first of fields whose value is
// longer than its max in characters, or nil: the bound of what a record
// keeps, and so of what a page or API answer listing records carries.
func Longest(fields ...Field) error {
	for _, f := range fields {
		if n := utf8.RuneCountInString(f.Value); n > f.Max {
			return New(Invalid, fmt.Sprintf("%s: at most %d characters (this one has %d)", f.Name, f.Max, n))
		}
	}
	return nil
}

// Field is a named value and its longest length, for Longest.
type Field struct {
	Name, Value string
	Max         int
}
