// Package hugepages backs the Go heap of a muster process with 2 MiB pages, so that a
// short command pays a few page faults for its heap instead of hundreds.
//
// A muster command lives for tens of milliseconds, and much of that was the kernel
// handing it memory one 4 KiB page at a time: the package initialisation of the
// libraries it links (the AWS SDK's endpoint tables and schemas above all, 1.2 MB)
// and the command itself touch 2-3 MB of fresh heap, about 500 page faults, and on a
// virtual machine a fault costs 20-45 µs. cmd/muster imports this package for its
// initialisation, which Go runs right after package syscall's, before the libraries
// that allocate most. It:
//
//   - asks Linux to use transparent huge pages for the heap arena the runtime is
//     filling (madvise MADV_HUGEPAGE), and makes one huge page of each 2 MiB around
//     the heap's frontier and the goroutine's stack that the runtime has already
//     started page by page (MADV_COLLAPSE, Linux 6.1): a 2 MiB region with any 4 KiB
//     page in it gets no huge page at the next fault;
//   - has the runtime map the next 8 MiB of heap at once, before anything touches it,
//     and advises that too (it may begin the next arena). The runtime maps its heap
//     a few MiB at a time, and a new mapping starts without the advice, so without
//     this the libraries' tables would again fault page by page once they outgrow
//     the first mapping. The 8 MiB is the stack of a goroutine with a large frame
//     that returns at once: the runtime gives a goroutine's stack back to the heap
//     when the goroutine ends (no garbage collection involved), and only its top
//     pages are ever touched.
//
// Measured on the project's machines: about 580 page faults instead of 1,090 for
// `incident show`, and a third less of its time (README, Performance). Where huge
// pages are disabled, on older kernels and on other systems it does nothing; the
// kernel's errors are ignored, since failing only means the slower start.
// GODEBUG=disablethp=1, the Go runtime's own switch against huge pages for the heap,
// turns it off. Heap beyond those first mappings is left to the kernel's defaults, so
// the TUI on a large incident keeps the runtime's usual behaviour there.
package hugepages
