package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify and read the tamper-evident audit log",
		Long: `Every security-relevant event and every change to program data is appended to
an audit log in which each entry's SHA-256 hash covers the entry before it.
The database refuses to update or delete entries; verify finds any change made
around that, by walking the chain and reporting the first entry that does not
hold.`,
	}
	var headFile string
	verify := &cobra.Command{
		Use:   "verify [--head FILE]",
		Short: "Walk the hash chain and its signed checkpoints; report the first problem",
		Long: `Walk the whole audit log in order, recomputing each entry's hash and checking
that it links to the one before; then check every signed checkpoint with the key
file: its signature, that the entry it vouches for still has the same hash (a
chain rewritten with recomputed hashes does not), that no entry it vouches
for was removed, and that every checkpoint the chain records is still stored
as it was signed. With --head, also check a signed head that ` + "`audit head`" + ` printed
earlier and that was kept outside the database: it proves that no entry up to
it was removed or rewritten since. Exit status 0 when all holds, 1 with the
first problem named.`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			var head *audit.Checkpoint
			if headFile != "" {
				f, err := os.Open(headFile)
				if err != nil {
					return errs.Wrap(errs.Invalid, "--head", err)
				}
				head, err = audit.ReadHead(f, headFile)
				f.Close()
				if err != nil {
					return errs.Wrap(errs.Invalid, "--head", err)
				}
			}
			v, err := s.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			if v.Broken != nil {
				return errs.New(errs.Internal, fmt.Sprintf("audit log broken at entry %d: %s (entries 1–%d verify)", v.Broken.Seq, v.Broken.Reason, v.LastSeq))
			}
			kr, err := a.existingKeyring(s)
			if err != nil {
				return err
			}
			if kr == nil && head != nil {
				return errs.New(errs.Invalid, "--head: the head is signed, and there is no key file to check it with (--key-file)")
			}
			checked := "no key file, so its signed checkpoints were not checked"
			if kr != nil {
				n, problems, err := s.VerifyAuditCheckpoints(cmd.Context(), v, kr.MAC)
				if err != nil {
					return err
				}
				if len(problems) > 0 {
					return errs.New(errs.Internal, fmt.Sprintf("audit checkpoint %d does not hold: %s", problems[0].Seq, problems[0].Reason))
				}
				checked = fmt.Sprintf("%d signed checkpoint(s) hold", n)
			}
			if head != nil {
				reason, err := s.VerifyAuditHead(cmd.Context(), head, v, kr.MAC)
				if err != nil {
					return err
				}
				if reason != "" {
					return errs.New(errs.Internal, fmt.Sprintf("the signed head %s (entry %d) does not hold: %s", headFile, head.Seq, reason))
				}
				checked += fmt.Sprintf("; the signed head %s (entry %d, signed %s) holds", headFile, head.Seq, head.At.Format("2006-01-02 15:04 UTC"))
			}
			fmt.Fprintf(a.stdout, "audit log intact: %d entries; last entry %d, hash %s; %s\n", v.Entries, v.LastSeq, v.LastHash, checked)
			return nil
		}),
	}
	verify.Flags().StringVar(&headFile, "head", "", "a signed head printed by `audit head` and kept outside the database")
	a.dbFlags(verify, false)
	a.keyFlags(verify)

	headCmd := &cobra.Command{
		Use:   "head",
		Short: "Sign the newest audit entry and print the signed head, to keep outside the database",
		Long: `Sign the newest audit entry with the key file (unless it is signed already) and
print the newest signed checkpoint as one line of JSON: the signed head. Keep it
where whoever can change the database cannot: another machine, write-once
storage, a log collector, or mail it. ` + "`audit verify --head FILE`" + ` then proves that
no entry up to it was removed or rewritten, which the database alone cannot
prove against someone who can also delete its checkpoints.`,
		Example: `  safeguard audit head >> /mnt/worm/safeguard-audit-heads.jsonl
  safeguard audit verify --head <(tail -n 1 /mnt/worm/safeguard-audit-heads.jsonl)`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			kr, err := a.keyring(s)
			if err != nil {
				return err
			}
			if _, err := s.AuditCheckpoint(cmd.Context(), kr.MAC, kr[0].ID); err != nil {
				return err
			}
			cp, err := s.NewestAuditCheckpoint(cmd.Context())
			if errs.Is(err, errs.NotFound) {
				return errs.New(errs.Invalid, "the audit log is empty: there is nothing to sign yet")
			}
			if err != nil {
				return err
			}
			return json.NewEncoder(a.stdout).Encode(cp.Head())
		}),
	}
	a.dbFlags(headCmd, false)
	a.keyFlags(headCmd)

	checkpoint := &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign the newest audit entry with the key file (serve does this every hour)",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			kr, err := a.keyring(s)
			if err != nil {
				return err
			}
			cp, err := s.AuditCheckpoint(cmd.Context(), kr.MAC, kr[0].ID)
			if err != nil {
				return err
			}
			if cp == nil {
				fmt.Fprintln(a.stdout, "nothing new to sign")
				return nil
			}
			fmt.Fprintf(a.stdout, "signed checkpoint at entry %d with key %s\n", cp.Seq, cp.KEKID)
			return nil
		}),
	}
	a.dbFlags(checkpoint, false)
	a.keyFlags(checkpoint)

	var format string
	var limit int
	var all bool
	log := &cobra.Command{
		Use:   "log [--org ORG] [--format table|json|csv]",
		Short: "Print the audit log, newest first",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			f := store.AuditFilter{Limit: limit}
			if !all {
				o, err := s.ResolveOrganization(cmd.Context(), a.org)
				if err != nil {
					return err
				}
				f.OrgID = o.ID
			}
			entries, err := s.AuditLog(cmd.Context(), f)
			if err != nil {
				return err
			}
			return writeAudit(a, format, entries)
		}),
	}
	log.Flags().StringVar(&format, "format", "table", "table, json or csv")
	log.Flags().IntVar(&limit, "limit", 100, "how many entries, newest first")
	log.Flags().BoolVar(&all, "all", false, "every organisation's entries and the installation's, instead of one organisation's")
	a.dbFlags(log, true)
	cmd.AddCommand(verify, checkpoint, headCmd, log)
	return cmd
}

func writeAudit(a *app, format string, entries []audit.Entry) error {
	switch format {
	case "json":
		out := []audit.Record{}
		for _, e := range entries {
			out = append(out, e.Record())
		}
		return writeJSON(a.stdout, map[string]any{"entries": out})
	case "csv":
		return audit.WriteCSV(a.stdout, entries)
	case "table":
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tTIME (UTC)\tACTOR\tSOURCE\tACTION\tTARGET")
		for _, e := range entries {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Format("2006-01-02 15:04:05"), e.Actor, e.Source, e.Action, e.Target)
		}
		return tw.Flush()
	}
	return errs.New(errs.Invalid, fmt.Sprintf("--format %q: use table, json or csv", format))
}
