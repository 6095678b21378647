// Package audit is the tamper-evident audit trail (164.312(b) audit
// controls, 164.312(c)(1) integrity): every security-relevant event and every
// change to program data is one Entry, and each entry's hash covers the one
// before it, so that altering or removing a past entry breaks the chain at
// that point.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/tabular"
)

// GenesisHash is the previous hash of the first entry.
var GenesisHash = strings.Repeat("0", 64)

// TimeFormat is how an entry's time is written, and hashed.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Entry is one line of the audit log.
type Entry struct {
	Seq      int64     // position in the chain, from 1, without gaps
	At       time.Time // UTC, microseconds
	OrgID    string    // the organisation it concerns; "" for the installation
	ActorID  string    // the user who acted; "" for the operator or the system
	Actor    string    // who acted, as a person reads it
	Source   string    // where from: an IP address, "cli"
	Action   string    // "org.create", "user.password_reset", "login.failed", …
	Target   string    // what it concerns: "user:<id>", "org:<id>"
	Before   string    // JSON of the record before an edit, "" otherwise
	After    string    // JSON of the record after a change, "" otherwise
	PrevHash string
	Hash     string
}

// ComputeHash returns the entry's hash: SHA-256 over every field but Hash,
// each length-prefixed so that no two entries encode the same.
func (e *Entry) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10), e.PrevHash, e.At.UTC().Format(TimeFormat), e.OrgID,
		e.ActorID, e.Actor, e.Source, e.Action, e.Target, e.Before, e.After,
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Actor is who is acting, carried in the request's or command's context.
type Actor struct {
	ID     string // user id, "" for the operator or the system
	Label  string // email, or "operator (cli)"
	Source string // IP address or "cli"
}

type actorKey struct{}

// WithActor returns ctx carrying the actor that changes made with it are
// recorded under.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the context's actor, or the system.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Label: "system"}
}

// JSON renders a record for Before and After; "" for nil.
func JSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

// Verification is what walking the chain found.
type Verification struct {
	Entries  int64  // entries checked
	LastSeq  int64  // the last good entry
	LastHash string // its hash
	// Broken is the first entry that does not hold, nil when the chain is whole.
	Broken *Break
}

// Break says where and why the chain fails.
type Break struct {
	Seq    int64
	Reason string
}

// Verifier walks entries in order and finds the first broken link.
type Verifier struct {
	v    Verification
	prev string
}

// NewVerifier starts a walk from the first entry.
func NewVerifier() *Verifier { return &Verifier{prev: GenesisHash} }

// Next checks one entry; once the chain is broken it stops checking.
func (w *Verifier) Next(e *Entry) {
	if w.v.Broken != nil {
		return
	}
	want := w.v.LastSeq + 1
	switch {
	case e.Seq != want:
		w.v.Broken = &Break{Seq: want, Reason: fmt.Sprintf("entry %d is missing (the next entry is %d)", want, e.Seq)}
	case e.PrevHash != w.prev:
		w.v.Broken = &Break{Seq: e.Seq, Reason: "its previous-hash does not match the hash of the entry before it"}
	case e.ComputeHash() != e.Hash:
		w.v.Broken = &Break{Seq: e.Seq, Reason: "its content does not match its hash: it was altered"}
	default:
		w.v.Entries++
		w.v.LastSeq, w.v.LastHash, w.prev = e.Seq, e.Hash, e.Hash
	}
}

// Result returns the walk's result.
func (w *Verifier) Result() Verification { return w.v }

// Checkpoint vouches for the chain up to an entry: its seq and hash, signed
// (a MAC) under a key-encryption key the database does not hold. A chain
// rebuilt from an earlier point, or cut short after a checkpoint, no longer
// matches it.
type Checkpoint struct {
	Seq   int64
	Hash  string
	At    time.Time
	KEKID string
	MAC   string // hex
}

// Message is what a checkpoint's MAC covers.
func (c *Checkpoint) Message() []byte {
	return []byte(fmt.Sprintf("safeguard-audit-checkpoint|v1|%d|%s|%s", c.Seq, c.Hash, c.At.UTC().Format(TimeFormat)))
}

// CheckpointAction is the action of the chain entry that records a
// checkpoint (its Head in the entry's after): a checkpoint removed from
// the database leaves that entry naming it.
const CheckpointAction = "audit.checkpoint"

// HeadFormat names the format of a SignedHead.
const HeadFormat = "safeguard-audit-head/1"

// SignedHead is a checkpoint as it is kept outside the database (`audit
// head`) and recorded in the chain: one JSON object.
type SignedHead struct {
	Format string `json:"format"`
	Seq    int64  `json:"seq"`
	Hash   string `json:"hash"`
	At     string `json:"at"`
	KEKID  string `json:"kek_id"`
	MAC    string `json:"mac"`
}

// Head returns the checkpoint as a signed head.
func (c *Checkpoint) Head() SignedHead {
	return SignedHead{HeadFormat, c.Seq, c.Hash, c.At.UTC().Format(TimeFormat), c.KEKID, c.MAC}
}

// Checkpoint returns the checkpoint a head records. Errors name what is
// wrong with it.
func (h SignedHead) Checkpoint() (*Checkpoint, error) {
	if h.Format != HeadFormat {
		return nil, fmt.Errorf("format %q: want %q", h.Format, HeadFormat)
	}
	at, err := time.Parse(TimeFormat, h.At)
	if err != nil {
		return nil, fmt.Errorf("at %q: not a time as %s", h.At, TimeFormat)
	}
	if h.Seq < 1 || len(h.Hash) != 64 || h.KEKID == "" || h.MAC == "" {
		return nil, fmt.Errorf("seq, hash, kek_id and mac are all required")
	}
	return &Checkpoint{Seq: h.Seq, Hash: h.Hash, At: at, KEKID: h.KEKID, MAC: h.MAC}, nil
}

// ReadHead reads a signed head (as `audit head` prints it) from r, named
// name in errors.
func ReadHead(r io.Reader, name string) (*Checkpoint, error) {
	dec := json.NewDecoder(io.LimitReader(r, 4096))
	dec.DisallowUnknownFields()
	var h SignedHead
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%s: not a signed audit head (%v)", name, err)
	}
	cp, err := h.Checkpoint()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return cp, nil
}

// Record is an entry as the exports (JSON, CSV) write it.
type Record struct {
	Seq      int64  `json:"seq"`
	At       string `json:"at"`
	OrgID    string `json:"org_id,omitempty"`
	ActorID  string `json:"actor_id,omitempty"`
	Actor    string `json:"actor"`
	Source   string `json:"source,omitempty"`
	Action   string `json:"action"`
	Target   string `json:"target,omitempty"`
	Before   string `json:"before,omitempty"`
	After    string `json:"after,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Record returns the entry as exports write it.
func (e *Entry) Record() Record {
	return Record{e.Seq, e.At.UTC().Format(TimeFormat), e.OrgID, e.ActorID, e.Actor, e.Source, e.Action, e.Target, e.Before, e.After, e.PrevHash, e.Hash}
}

// CSVHeader names the columns of CSV.
var CSVHeader = []string{"seq", "at", "org_id", "actor_id", "actor", "source", "action", "target", "before", "after", "prev_hash", "hash"}

// CSV returns the record's fields in CSVHeader's order.
func (r Record) CSV() []string {
	return []string{strconv.FormatInt(r.Seq, 10), r.At, r.OrgID, r.ActorID, r.Actor, r.Source, r.Action, r.Target, r.Before, r.After, r.PrevHash, r.Hash}
}

// WriteCSV writes entries as CSV under CSVHeader: the web page's and the
// command line's export. Cells are defused as in every CSV Safeguard
// writes (tabular.Defuse): an actor or a change that begins with = + - or
// @ gets a leading apostrophe, so that a spreadsheet shows it as text.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := tabular.NewCSVWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, e := range entries {
		if err := cw.Write(e.Record().CSV()); err != nil {
			return err
		}
	}
	return cw.Flush()
}
