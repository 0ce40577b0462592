// Package backup proves, from what the RDS API says, that every RDS and Aurora
// database can be restored to a point no older than its service's RPO and that 30 days
// (or the policy's window) of restore points are really held.
//
// The work is split so each part is testable on its own:
//
//   - Policy (package backup/policy, re-exported by policy.go): the backup policy file
//     (TOML, schema = 1) and the built-in defaults (RPO 24 h, 30 days retention). It
//     links no AWS code, so its fuzz targets run fast; it never imports backup.
//   - Collect (collect.go): the inventory, read through aws-sdk-go-v2 paginators,
//     regions in parallel; every API failure becomes an InventoryError, never a guess.
//   - Evaluate (evaluate.go, checks.go): pure, given the inventory, the policy and the
//     instant to judge at; it classifies databases into backup units and runs the checks.
//   - Report (report.go, format.go): statuses, the effective RPO per unit, exit codes and
//     the table, JSON and Prometheus outputs.
//   - Run (run.go): config chain + inventory + evaluate, for the CLI, the runbook step
//     check = "rds-backup" and the TUI.
package backup
