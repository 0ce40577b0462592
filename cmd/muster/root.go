package main

import (
	"context"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/settings"
	"github.com/muster-ir/muster/runbook/team"
	"github.com/muster-ir/muster/scenarios"
)

// globals are the flags every command shares (DESIGN.md, the command line).
type globals struct {
	DataDir  string
	Actor    string
	Runbooks string // user runbook directory; default <data dir>/runbooks
	Policy   string // severity policy file or preset name; default <data dir>/policy.toml if present, else the default preset
	NoColor  bool
	Clock    clock // nil: the wall clock (tests set a fixed one)
	// DrillClock drives a headless drill's timers; nil: the wall clock. Tests give
	// one they advance themselves, so a drill's verdicts never hang on a loaded CPU.
	DrillClock scenarios.Clock
	LockWait   time.Duration // --wait: how long a write waits for another writer's lock
	StoreURL   string        // team store, s3://bucket/prefix (--store, MUSTER_STORE); empty: local only
	StoreWait  time.Duration // --store-wait, MUSTER_STORE_WAIT: how long the team store may stay silent

	team         *team.Store     // reached once StoreURL is set
	storeFlagSet bool            // --store or MUSTER_STORE given, even empty
	storeWaitSet bool            // --store-wait given: MUSTER_STORE_WAIT is not read
	ctx          context.Context // the command's, for the team store's calls
	// restore tests started from the TUI; the process waits for their cleanup
	restores restoresRunning
	SignKey  string // --sign-key: the key lines are signed with; "none" for unsigned

	settingsOnce sync.Once
	cfg          settings.Settings
	cfgErr       error
	signer       *lazyKey

	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// RunbookDir is the user's runbook directory.
func (g *globals) RunbookDir() string {
	if g.Runbooks != "" {
		return g.Runbooks
	}
	return filepath.Join(g.DataDir, "runbooks")
}

// commandGroups are muster's top-level commands by name, each built by the function of
// its own file.
var commandGroups = []struct {
	name  string
	build func(*globals) *cobra.Command
}{
	{"policy", newPolicyCmd},
	{"runbook", newRunbookCmd},
	{"incident", newIncidentCmd},
	{"followups", newFollowupsCmd},
	{"evidence", newEvidenceCmd},
	{"backup", newBackupCmd},
	{"scenario", newScenarioCmd},
	{"drill", newDrillCmd},
	{"team", newTeamCmd},
	{"report", newReportCmd},
	{"version", newVersionCmd},
}

// newRootCmd is the whole command tree.
func newRootCmd(g *globals) *cobra.Command { return newRootCmdFor(g, nil) }

// newRootCmdFor is the command tree a command line needs: when it starts with the
// name of a command group (muster incident note ...), the root and that group only.
// The other groups' commands, flags and completions are never built: `incident note`
// builds 22 commands, not 68. Help on the root, shell completion and a flag before
// the command (muster --data-dir D ...) get the whole tree.
func newRootCmdFor(g *globals, args []string) *cobra.Command {
	only := ""
	if len(args) > 0 {
		for _, grp := range commandGroups {
			if grp.name == args[0] {
				only = grp.name
			}
		}
	}
	root := &cobra.Command{
		Use:   "muster",
		Short: "Incident response in the terminal: runbooks, a tamper-evident journal, SLA clocks, backup checks and drills",
		Long: `muster walks responders through versioned runbooks, logs every action in a
tamper-evident journal, runs the SLA clock of the incident's severity, checks RDS
backups against their RPO and retention, and replays tabletop drills.

Exit codes: 0 ok, 1 the check found a problem, 2 the command could not do its job.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHome(cmd, g)
		},
	}
	root.SetIn(g.Stdin)
	root.SetOut(g.Stdout)
	root.SetErr(g.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	root.Version = versionLine()
	root.SetVersionTemplate("{{.Version}}\n")

	pf := root.PersistentFlags()
	pf.StringVar(&g.DataDir, "data-dir", defaultDataDir(), "where incidents, runbooks and settings live ($MUSTER_HOME, $XDG_STATE_HOME/muster, ~/.local/state/muster)")
	pf.StringVar(&g.Actor, "actor", defaultActor(), "who is acting, recorded in every journal line")
	pf.StringVar(&g.Runbooks, "runbooks", "", "directory of your own runbooks (default <data dir>/runbooks); an id there wins over the embedded one")
	pf.StringVar(&g.Policy, "policy", "", "severity policy: a TOML file or a preset name (default <data dir>/policy.toml, else the built-in default)")
	pf.DurationVar(&g.LockWait, "wait", 10*time.Second, "how long a write waits for the incident's lock while another writer holds it (0: fail at once)")
	pf.StringVar(&g.StoreURL, "store", os.Getenv("MUSTER_STORE"), "team store shared by responders, s3://bucket/prefix (also MUSTER_STORE); without it incidents stay on this machine")
	pf.DurationVar(&g.StoreWait, "store-wait", team.DefaultAnswerWait, "how long a request waits while the team store says nothing (also MUSTER_STORE_WAIT); then a command's event is queued on this machine")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		// --store "" (or MUSTER_STORE="") means local, whatever config.toml says.
		_, env := os.LookupEnv("MUSTER_STORE")
		g.storeFlagSet = cmd.Flags().Changed("store") || env
		g.ctx = cmd.Context() // Ctrl+C cancels it: long reads stop
		g.storeWaitSet = cmd.Flags().Changed("store-wait")
		return g.openTeam(cmd.Context())
	}
	pf.StringVar(&g.SignKey, "sign-key", "", "sign every journal line you write with this SSH key: a .pub file (the key in ssh-agent) or a private key file; \"none\" for unsigned (default [signing] key in <data dir>/config.toml)")
	pf.BoolVar(&g.NoColor, "no-color", os.Getenv("NO_COLOR") != "", "no colour in output (also NO_COLOR)")

	root.AddGroup(&cobra.Group{ID: "respond", Title: "Respond to an incident:"},
		&cobra.Group{ID: "prepare", Title: "Prepare:"},
		&cobra.Group{ID: "verify", Title: "Verify:"})
	for _, grp := range commandGroups {
		if only == "" || grp.name == only {
			root.AddCommand(grp.build(g))
		}
	}
	refuseUnknownSubcommands(root)
	addCompletions(root, g)
	return root
}

// refuseUnknownSubcommands makes a command group (muster incident, muster scenario, ...)
// refuse an unknown subcommand with exit 2, as the root does; cobra would print the
// group's help and exit 0.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		if sub.HasSubCommands() && !sub.Runnable() {
			sub.Args = cobra.ArbitraryArgs
			sub.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usageError("unknown command %q for %q", args[0], cmd.CommandPath())
				}
				return cmd.Help()
			}
		}
		refuseUnknownSubcommands(sub)
	}
}

func defaultDataDir() string {
	if d := os.Getenv("MUSTER_HOME"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "muster")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "muster")
	}
	return ".muster"
}

func defaultActor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	} else if v := os.Getenv("USER"); v != "" {
		name = v
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		return name
	}
	return name + "@" + host
}
