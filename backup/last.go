package backup

import (
	"os"
	"path/filepath"
)

// LastReportFile is where the latest backup report is kept, under the data dir, for
// the TUI home and for `muster backup check` runs from cron.
const LastReportFile = "backup-last.json"

// SaveLast writes rep as the latest backup check, atomically (temp file, fsync,
// rename), so a reader never sees half a report.
func SaveLast(dataDir string, rep *Report) error {
	data, err := rep.JSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dataDir, ".backup-last-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dataDir, LastReportFile))
}

// LoadLast reads the latest backup check; ok is false when there is none.
func LoadLast(dataDir string) (rep Report, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dataDir, LastReportFile))
	if os.IsNotExist(err) {
		return Report{}, false, nil
	}
	if err != nil {
		return Report{}, false, err
	}
	rep, err = ParseReport(data)
	return rep, err == nil, err
}
