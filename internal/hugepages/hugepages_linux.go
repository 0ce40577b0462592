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

// anchor is the latest heap object advise allocated: its address says which arena
// and which 2 MiB of it the runtime is filling.
var anchor *[16]byte

// Kernel answers, kept for the tests.
var advised, collapsed syscall.Errno = syscall.ENOTSUP, syscall.ENOTSUP

func init() {
	if godebug, _ := syscall.Getenv("GODEBUG"); turnsOffTHP(godebug) {
		return
	}
	advise()
	done := make(chan struct{})
	go mapAhead(done)
	<-done
}

// advise marks the arena the heap is in for huge pages and collapses the 2 MiB the
// heap is filling now, plus the 2 MiB holding the caller's stack pointer (a new
// goroutine stack has its top pages touched already).
func advise() {
	anchor = new([16]byte) // a package variable: certainly on the heap
	at := uintptr(unsafe.Pointer(anchor))
	_, _, advised = syscall.Syscall(syscall.SYS_MADVISE, at&^(arenaBytes-1), arenaBytes, madvHugepage)
	if advised == syscall.EINVAL { // no transparent huge pages on this kernel
		return
	}
	collapsed = collapse(at)
	var onStack byte
	collapse(uintptr(unsafe.Pointer(&onStack)))
}

// collapse makes the 2 MiB around at one huge page. EAGAIN means pages were in a
// transient state (freshly faulted, not yet on the kernel's lists): one more try.
func collapse(at uintptr) syscall.Errno {
	var err syscall.Errno
	for try := 0; try < 2; try++ {
		if _, _, err = syscall.Syscall(syscall.SYS_MADVISE, at&^(hugeBytes-1), hugeBytes, madvCollapse); err != syscall.EAGAIN {
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
	advise()
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
