//go:build !linux

package journal

// renameNoReplace renames old to new, failing with fs.ErrExist when new exists.
func renameNoReplace(old, new string) error { return renameChecked(old, new) }
