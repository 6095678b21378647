// Package org holds the organisation: the covered entity or business
// associate whose security program Safeguard runs. Every record belongs to
// one organisation.
package org

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// EntityType is what the organisation is under HIPAA (45 CFR 160.103,
// 164.103, 164.105).
type EntityType string

const (
	Provider          EntityType = "provider"           // health care provider
	HealthPlan        EntityType = "health_plan"        // health plan
	Clearinghouse     EntityType = "clearinghouse"      // health care clearinghouse
	BusinessAssociate EntityType = "business_associate" // business associate
	Hybrid            EntityType = "hybrid"             // hybrid entity
	PlanSponsor       EntityType = "plan_sponsor"       // plan sponsor of a group health plan
)

// EntityTypes lists the types with the label a person reads.
var EntityTypes = []struct {
	Type  EntityType
	Label string
}{
	{Provider, "Health care provider"},
	{HealthPlan, "Health plan"},
	{Clearinghouse, "Health care clearinghouse"},
	{BusinessAssociate, "Business associate"},
	{Hybrid, "Hybrid entity"},
	{PlanSponsor, "Plan sponsor of a group health plan"},
}

// Label returns the entity type as a person reads it.
func (t EntityType) Label() string {
	for _, e := range EntityTypes {
		if e.Type == t {
			return e.Label
		}
	}
	return string(t)
}

// Organization is one tenant of a Safeguard installation.
type Organization struct {
	ID            string
	Slug          string // short, unique, used by --org and in URLs
	Name          string
	EntityType    EntityType
	WorkforceSize int
	Sites         int
	Demo          bool // a demonstration organisation, marked as such everywhere
	RequireMFA    bool // every member must use multifactor authentication
	// IdleTimeout is the organisation's automatic logoff after inactivity;
	// zero keeps the server's default.
	IdleTimeout time.Duration
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate returns an Invalid error naming the first field that is wrong.
func (o *Organization) Validate() error {
	switch {
	case strings.TrimSpace(o.Name) == "":
		return errs.New(errs.Invalid, "organisation name is required")
	case len(o.Name) > 200:
		return errs.New(errs.Invalid, "organisation name is longer than 200 characters")
	case !slugRE.MatchString(o.Slug):
		return errs.New(errs.Invalid, fmt.Sprintf("organisation slug %q must be 1–63 lower-case letters, digits and hyphens", o.Slug))
	case o.EntityType.Label() == string(o.EntityType):
		return errs.New(errs.Invalid, fmt.Sprintf("unknown entity type %q", o.EntityType))
	case o.WorkforceSize < 0 || o.Sites < 0:
		return errs.New(errs.Invalid, "workforce size and sites cannot be negative")
	case o.IdleTimeout != 0 && (o.IdleTimeout < time.Minute || o.IdleTimeout > 8*time.Hour):
		return errs.New(errs.Invalid, "the idle timeout must be between 1 minute and 8 hours")
	}
	return nil
}
