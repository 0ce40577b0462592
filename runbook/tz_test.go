package runbook

// The default policies run in this machine's zone: tests pin it (see internal/testtz).
import _ "github.com/muster-ir/muster/internal/testtz"
