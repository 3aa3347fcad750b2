#pragma once

// What a long-lived shim process keeps resident. Every shim runs from the same sealed memfd
// (runtime/sys/sealed_binary.h), whose pages stay in the page cache as long as the agent holds
// it; but each process that touched them counts them in its VmRSS, and fault-around maps
// 64 KiB per fault, so a shim that has started a container had nearly all of its 1.2 MiB of
// code mapped although its supervising loop runs a small part of it.
namespace podkeeper::runtime::shim {

// Unmaps the binary's read-only, never-written pages from this process (the PT_LOAD segments
// without write permission, less the RELRO range, which was written before it was sealed);
// the loop faults back in the few it runs, from the shared page cache. Trims the heap too.
// Call once the start is done. Best effort: nothing to report when the kernel refuses.
void releaseStartupPages();

}  // namespace podkeeper::runtime::shim
