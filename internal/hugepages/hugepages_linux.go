//go:build linux && (amd64 || arm64)

package hugepages

// Only syscall and unsafe: each import this package waited for would let more
// libraries initialise (and allocate) before it. Go initialises a package as soon as
// its imports are, in import-path order, so this one runs right after syscall.
import (
	"syscall"
	"unsafe"
)

const (
	madvHugepage = 14 // MADV_HUGEPAGE
	madvCollapse = 25 // MADV_COLLAPSE, Linux 6.1
	// arenaBytes is the runtime's heapArenaBytes on 64-bit Linux: the heap is reserved
	// in aligned arenas of this size, every byte of them the heap's.
	arenaBytes = 64 << 20
	// hugeBytes is the PMD huge page of x86-64, and of arm64 with 4 KiB pages (with
	// other page sizes the collapse fails harmlessly).
	hugeBytes = 2 << 20
)

// frontier is the latest object advise allocated: 64 KiB, so that it has a span of
// its own, which the runtime takes from the lowest free pages, where the heap is
// growing. (A small object's span may be an old one far below.) It is never
// written, so it costs no memory.
var frontier *[64 << 10]byte

// Kernel answers, kept for the tests.
var advised, collapsed syscall.Errno = syscall.ENOTSUP, syscall.ENOTSUP

func init() {
	if godebug, _ := syscall.Getenv("GODEBUG"); turnsOffTHP(godebug) {
		return
	}
	advise(true)
	done := make(chan struct{})
	go mapAhead(done)
	<-done
}

// advise marks the heap arenas holding the heap's frontier and the caller's stack for
// huge pages, and makes one huge page of each 2 MiB around the frontier (and around
// the caller's stack if asked) that already has pages: the runtime and the packages
// initialised before this one touched them one at a time, and a region with any
// 4 KiB page in it gets no huge page at the next fault. A region with no page yet is
// left to fault as a huge page. (The 8 MiB mapAhead has mapped may begin a new arena.)
func advise(collapseStack bool) {
	frontier = new([64 << 10]byte)
	at := uintptr(unsafe.Pointer(frontier))
	var onStack byte
	sp := uintptr(unsafe.Pointer(&onStack))
	_, _, advised = syscall.Syscall(syscall.SYS_MADVISE, at&^(arenaBytes-1), arenaBytes, madvHugepage)
	if advised == syscall.EINVAL { // no transparent huge pages here
		return
	}
	if sp&^(arenaBytes-1) != at&^(arenaBytes-1) {
		syscall.Syscall(syscall.SYS_MADVISE, sp&^(arenaBytes-1), arenaBytes, madvHugepage)
	}
	region := at &^ (hugeBytes - 1)
	collapseOnce(region - hugeBytes)
	collapseOnce(region)
	if collapseStack {
		collapseOnce(sp &^ (hugeBytes - 1))
	}
}

// collapsedRegions are the regions collapseOnce has asked for.
var collapsedRegions [6]uintptr

// collapseOnce collapses the 2 MiB region at region unless it already has.
func collapseOnce(region uintptr) {
	for i, r := range collapsedRegions {
		if r == region {
			return
		}
		if r == 0 {
			collapsedRegions[i] = region
			if err := collapse(region); err != syscall.EINVAL { // EINVAL: nothing there yet
				collapsed = err
			}
			return
		}
	}
}

// collapse makes the 2 MiB region at region one huge page. EAGAIN means pages were in a
// transient state (freshly faulted, not yet on the kernel's lists): one more try.
func collapse(region uintptr) syscall.Errno {
	var err syscall.Errno
	for try := 0; try < 2; try++ {
		if _, _, err = syscall.Syscall(syscall.SYS_MADVISE, region, hugeBytes, madvCollapse); err != syscall.EAGAIN {
			break
		}
	}
	return err
}

// never is false; the compiler cannot know it, so mapAhead keeps its large frame.
var never bool

// mapAhead runs on a goroutine whose frame needs 4.4 MB, so the runtime gives it an
// 8 MiB stack, mapping fresh heap for it, before the first line runs. advise then marks
// that mapping too, and when the goroutine ends the runtime returns the stack to the
// heap, untouched but for its top pages. The arrays are each under the compiler's
// 128 KiB limit for a variable on the stack; they are never written (never is false),
// so no page of them is touched.
func mapAhead(done chan<- struct{}) {
	// This stack's top pages are touched already (the runtime copied the old stack
	// there): its region is collapsed too, or the heap would fault it page by page
	// once it gets there.
	advise(true)
	if never {
		var a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, a30, a31, a32, a33, a34, a35 [120 << 10]byte
		n := 0
		for _, b := range [][]byte{a0[:], a1[:], a2[:], a3[:], a4[:], a5[:], a6[:], a7[:], a8[:], a9[:], a10[:], a11[:], a12[:], a13[:], a14[:], a15[:], a16[:], a17[:], a18[:], a19[:], a20[:], a21[:], a22[:], a23[:], a24[:], a25[:], a26[:], a27[:], a28[:], a29[:], a30[:], a31[:], a32[:], a33[:], a34[:], a35[:]} {
			n += fill(b)
		}
		if n == 0 {
			println()
		}
	}
	done <- struct{}{}
}

//go:noinline
func fill(b []byte) int {
	for i := range b {
		b[i] = byte(i)
	}
	return int(b[len(b)-1])
}

// turnsOffTHP reports whether a GODEBUG value sets disablethp=1 (the last setting of
// a key wins, as in the runtime).
func turnsOffTHP(godebug string) bool {
	off := false
	for start := 0; start <= len(godebug); {
		end := start
		for end < len(godebug) && godebug[end] != ',' {
			end++
		}
		switch godebug[start:end] {
		case "disablethp=1":
			off = true
		case "disablethp=0":
			off = false
		}
		start = end + 1
	}
	return off
}
