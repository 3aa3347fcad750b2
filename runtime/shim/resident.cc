#include "runtime/shim/resident.h"

#include <elf.h>
#include <link.h>
#include <malloc.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace podkeeper::runtime::shim {
namespace {

struct Range {
  uintptr_t begin = 0, end = 0;
};

// [a.begin, a.end) less [cut.begin, cut.end), page-aligned inwards, each piece released.
void releaseOutside(Range a, Range cut, uintptr_t page) {
  const auto release = [page](uintptr_t b, uintptr_t e) {
    b = (b + page - 1) & ~(page - 1);
    e &= ~(page - 1);
    if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
  };
  if (cut.end <= a.begin || cut.begin >= a.end) return release(a.begin, a.end);
  if (cut.begin > a.begin) release(a.begin, cut.begin);
  if (cut.end < a.end) release(cut.end, a.end);
}

}  // namespace

void releaseStartupPages() {
  const auto* phdr = reinterpret_cast<const ElfW(Phdr)*>(::getauxval(AT_PHDR));
  const size_t count = ::getauxval(AT_PHNUM);
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  if (phdr == nullptr || count == 0 || page == 0) return;
  // The load bias: 0 for the static, non-PIE shim; computed from PT_PHDR all the same.
  uintptr_t bias = 0;
  Range relro;
  for (size_t i = 0; i < count; ++i) {
    if (phdr[i].p_type == PT_PHDR) bias = reinterpret_cast<uintptr_t>(phdr) - phdr[i].p_vaddr;
  }
  for (size_t i = 0; i < count; ++i) {
    if (phdr[i].p_type == PT_GNU_RELRO) {
      relro.begin = (bias + phdr[i].p_vaddr) & ~(page - 1);
      relro.end = (bias + phdr[i].p_vaddr + phdr[i].p_memsz + page - 1) & ~(page - 1);
    }
  }
  for (size_t i = 0; i < count; ++i) {
    const ElfW(Phdr)& p = phdr[i];
    // Written segments keep their contents only in this process's copy: never released.
    if (p.p_type != PT_LOAD || (p.p_flags & PF_W) != 0) continue;
    releaseOutside({bias + p.p_vaddr, bias + p.p_vaddr + p.p_filesz}, relro, page);
  }
  ::malloc_trim(0);
}

}  // namespace podkeeper::runtime::shim
