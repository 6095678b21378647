package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) orgCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org",
		Short: "List and show the organisations in the database",
		Long: `One installation serves many organisations (a managed service provider runs
many clinics on one server). Verbs that work on one organisation take --org, a
slug or id, which may be left out when the database holds only one.`,
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the organisations",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			orgs, err := s.Organizations(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				out := []orgJSON{}
				for _, o := range orgs {
					out = append(out, toOrgJSON(o))
				}
				return writeJSON(a.stdout, map[string]any{"organizations": out})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SLUG\tNAME\tTYPE\tWORKFORCE\tSITES")
			for _, o := range orgs {
				name := o.Name
				if o.Demo {
					name += " (demo)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", o.Slug, name, o.EntityType.Label(), o.WorkforceSize, o.Sites)
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.dbFlags(list, false)
	show := &cobra.Command{
		Use:   "show",
		Short: "Show one organisation (--org, or the only one)",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			o, err := s.ResolveOrganization(cmd.Context(), a.org)
			if err != nil {
				return err
			}
			return writeJSON(a.stdout, toOrgJSON(o))
		}),
	}
	a.dbFlags(show, true)
	cmd.AddCommand(a.orgCreateCommand(), list, show)
	return cmd
}

func (a *app) orgCreateCommand() *cobra.Command {
	var o org.Organization
	var entity string
	cmd := &cobra.Command{
		Use:     "create --slug SLUG --name NAME --type TYPE",
		Short:   "Create an organisation",
		Long:    "Create an organisation (a tenant). TYPE is what it is under HIPAA: " + entityTypeNames() + ".",
		Example: `  safeguard org create --slug riverside --name "Riverside Family Clinic" --type provider --workforce 12 --sites 1`,
		Args:    cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			o.EntityType = org.EntityType(entity)
			if err := s.CreateOrganization(cmd.Context(), &o); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Created %s (%s), slug %s.\n", o.Name, o.EntityType.Label(), o.Slug)
			return nil
		}),
	}
	cmd.Flags().StringVar(&o.Slug, "slug", "", "short name used by --org and in addresses: lower-case letters, digits, hyphens (required)")
	cmd.Flags().StringVar(&o.Name, "name", "", "the organisation's name (required)")
	cmd.Flags().StringVar(&entity, "type", "", "entity type: "+entityTypeNames()+" (required)")
	cmd.Flags().IntVar(&o.WorkforceSize, "workforce", 0, "number of workforce members")
	cmd.Flags().IntVar(&o.Sites, "sites", 0, "number of sites")
	requireFlags(cmd, "slug", "name", "type")
	a.dbFlags(cmd, false)
	return cmd
}

func entityTypeNames() string {
	var names []string
	for _, e := range org.EntityTypes {
		names = append(names, string(e.Type))
	}
	return strings.Join(names, ", ")
}

type orgJSON struct {
	ID            string `json:"id"`
	Slug          string `json:"slug"`
	Name          string `json:"name"`
	EntityType    string `json:"entity_type"`
	WorkforceSize int    `json:"workforce_size"`
	Sites         int    `json:"sites"`
	Demo          bool   `json:"demo"`
	CreatedAt     string `json:"created_at"`
}

func toOrgJSON(o *org.Organization) orgJSON {
	return orgJSON{o.ID, o.Slug, o.Name, string(o.EntityType), o.WorkforceSize, o.Sites, o.Demo, o.CreatedAt.Format("2006-01-02T15:04:05Z07:00")}
}
