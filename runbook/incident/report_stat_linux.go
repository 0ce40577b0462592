package incident

import (
	"golang.org/x/sys/unix"

	"github.com/muster-ir/muster/runbook/journal"
)

// stampJournals stamps names[i]/journal.jsonl into out[i]: one fstatat each, relative
// to the incidents directory opened once (the kernel walks two names, not the whole
// path). A journal that cannot be stat'd keeps the zero stamp.
func stampJournals(dir string, names []string, out []journalStamp) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	path := make([]byte, 0, 64)
	for i, name := range names {
		path = append(append(append(path[:0], name...), '/'), journal.FileName...)
		if unix.Fstatat(fd, string(path), &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		out[i] = journalStamp{Size: st.Size, MTime: st.Mtim.Nano(), CTime: st.Ctim.Nano(), Ino: st.Ino}
	}
}
