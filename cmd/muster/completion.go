package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/scenarios"
)

// Shell completion (`muster completion bash|zsh|fish|powershell`): the values a
// responder would otherwise look up. Each completer reads the data directory the
// command line names (--data-dir is parsed before completion runs) and offers what
// starts with the typed prefix, ignoring case; typed in lower case, incident ids are
// offered in lower case, which every command accepts.

// completer offers values for the argument or flag being completed; args are the
// command's arguments before it.
type completer func(g *globals, args []string) []string

// addCompletions attaches the completers to the commands of the tree: positional
// arguments by command path, flags by command path and flag name.
func addCompletions(root *cobra.Command, g *globals) {
	incidents := func(g *globals, _ []string) []string {
		return incidentIDs(g, func(incident.Summary) bool { return true })
	}
	open := func(g *globals, _ []string) []string {
		return incidentIDs(g, func(s incident.Summary) bool { return s.Status == "open" })
	}
	drills := func(g *globals, _ []string) []string {
		return incidentIDs(g, func(s incident.Summary) bool { return s.Drill })
	}
	closed := func(g *globals, _ []string) []string {
		return incidentIDs(g, func(s incident.Summary) bool { return s.Status != "open" && !s.Drill })
	}
	steps := func(withCheck bool) completer {
		return func(g *globals, args []string) []string { return stepIDs(g, args[0], withCheck) }
	}
	levels := func(g *globals, args []string) []string {
		if v, err := g.store().Load(args[0]); err == nil {
			return v.Policy.LevelNames()
		}
		return nil
	}
	followups := func(g *globals, args []string) []string {
		v, err := g.store().Load(args[0])
		if err != nil {
			return nil
		}
		var ids []string
		for _, f := range v.State.OpenFollowUps() {
			ids = append(ids, f.ID)
		}
		return ids
	}
	byArg := map[string][]completer{
		"incident show":          {incidents},
		"incident resume":        {incidents},
		"incident report":        {incidents},
		"incident watch":         {incidents},
		"incident ack":           {open},
		"incident note":          {open},
		"incident attach":        {open},
		"incident attachment":    {incidents},
		"incident escalate":      {open},
		"incident notify":        {open},
		"incident assign":        {open},
		"incident followup":      {open},
		"incident close":         {open},
		"incident impact":        {incidents},
		"incident step":          {open, steps(false)},
		"incident check":         {open, steps(true)},
		"incident severity":      {open, levels},
		"incident followup-done": {incidents, followups},
		"evidence verify":        {incidents},
		"evidence head":          {incidents},
		"evidence export":        {incidents},
		"scenario from-incident": {closed},
		"drill status":           {drills},
		"drill act":              {drills},
		"drill observe":          {drills},
		"drill rate":             {drills},
		"drill hotwash":          {drills},
		"drill discuss":          {drills},
		"drill draft":            {drills},
		"runbook show":           {runbookIDs},
		"runbook copy":           {embeddedRunbookIDs},
		"runbook diff":           {runbookIDs, runbookIDs},
		"scenario show":          {scenarioIDs},
		"scenario msel":          {scenarioIDs},
		"drill":                  {scenarioIDs},
		"policy show":            {presets},
		"policy export":          {presets},
		"policy copy":            {presets},
	}
	byFlag := map[string]map[string]completer{
		"":                    {"policy": presets},
		"incident start":      {"runbook": runbookIDs, "severity": policyLevels},
		"report sla":          {"severity": policyLevels},
		"backup check":        {"service": backupServiceNames},
		"backup restore-test": {"service": backupServiceNames, "incident": open, "step": restoreSteps},
		"incident check":      {"service": backupServiceNames},
		"incident note":       {"step": func(g *globals, args []string) []string { return stepIDs(g, args[0], false) }},
		"incident attach":     {"step": func(g *globals, args []string) []string { return stepIDs(g, args[0], false) }},
	}
	walk(root, func(c *cobra.Command) {
		path := strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), root.Name()), " ")
		if cs, ok := byArg[path]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
				if len(args) >= len(cs) {
					return nil, cobra.ShellCompDirectiveDefault // a file, a directory, free text
				}
				if looksLikePath(typed) {
					return nil, cobra.ShellCompDirectiveDefault
				}
				return matching(cs[len(args)](g, args), typed), cobra.ShellCompDirectiveNoFileComp
			}
		}
		for name, f := range byFlag[path] {
			fs := c.Flags()
			if path == "" {
				fs = c.PersistentFlags()
			}
			if fs.Lookup(name) == nil {
				continue
			}
			_ = c.RegisterFlagCompletionFunc(name, func(_ *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
				if looksLikePath(typed) {
					return nil, cobra.ShellCompDirectiveDefault
				}
				if name == "step" && path == "backup restore-test" {
					args = []string{c.Flag("incident").Value.String()}
				}
				if name == "step" && len(args) == 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return matching(f(g, args), typed), cobra.ShellCompDirectiveNoFileComp
			})
		}
	})
}

func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}

// looksLikePath is a typed prefix that names a file: complete it as one.
func looksLikePath(typed string) bool {
	return strings.ContainsAny(typed, `/\`) || strings.HasPrefix(typed, ".") || strings.HasPrefix(typed, "~")
}

// matching keeps the values that start with typed, ignoring case; typed in lower
// case, values are offered in lower case (the shell matches them case-sensitively).
func matching(values []string, typed string) []string {
	lower := typed != "" && typed == strings.ToLower(typed) && typed != strings.ToUpper(typed)
	var out []string
	for _, v := range values {
		if !strings.HasPrefix(strings.ToLower(v), strings.ToLower(typed)) {
			continue
		}
		if lower {
			v = strings.ToLower(v)
		} else if typed != "" && !strings.HasPrefix(v, typed) {
			v = typed + v[len(typed):] // keep what was typed; the rest as muster writes it
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func incidentIDs(g *globals, keep func(incident.Summary) bool) []string {
	list, _ := g.store().List()
	var ids []string
	for _, s := range list {
		if s.Err == "" && keep(s) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func stepIDs(g *globals, id string, withCheck bool) []string {
	v, err := g.store().Load(id)
	if err != nil {
		return nil
	}
	var ids []string
	for _, s := range v.Runbook.Steps() {
		if !withCheck || s.Check != "" {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func restoreSteps(g *globals, args []string) []string {
	if len(args) == 0 || args[0] == "" {
		return nil
	}
	v, err := g.store().Load(args[0])
	if err != nil {
		return nil
	}
	var ids []string
	for _, s := range v.Runbook.Steps() {
		if s.Check == "restore-test" || s.Check == "rds-backup" {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func runbookIDs(g *globals, _ []string) []string {
	pol, err := g.loadPolicy()
	if err != nil {
		pol = nil
	}
	lib, _ := runbook.LoadLibrary(g.RunbookDir(), pol)
	if lib == nil {
		return nil
	}
	return lib.IDs()
}

func embeddedRunbookIDs(*globals, []string) []string {
	lib, _ := runbook.LoadLibrary("", nil)
	if lib == nil {
		return nil
	}
	return lib.IDs()
}

func scenarioIDs(g *globals, _ []string) []string {
	env, _, err := g.scenarioEnv()
	if err != nil {
		return nil
	}
	lib, _ := scenarios.LoadLibrary(g.ScenarioDir(), env)
	if lib == nil {
		return nil
	}
	return lib.IDs()
}

func presets(*globals, []string) []string { return runbook.PresetNames() }

func policyLevels(g *globals, _ []string) []string {
	pol, err := g.loadPolicy()
	if err != nil {
		return nil
	}
	return pol.LevelNames()
}

func backupServiceNames(g *globals, _ []string) []string {
	services, _ := backupServices(g)
	return services
}
