/*
 * A stand-in for Windows' bcryptprimitives.dll, for running sharp's win32 build under Wine 8
 * (Debian 12), which lacks that DLL. libvips for Windows imports one function from it,
 * ProcessPrng (Windows 10 and later have it); this one fills the buffer from RtlGenRandom, which
 * Wine has. test/slow/package.test.ts compiles it with MinGW-w64 into the Wine prefix; it is never
 * part of the package.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
  while (size > 0) {
    ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size; /* RtlGenRandom takes a ULONG */
    if (!RtlGenRandom(data, chunk)) return FALSE;
    data += chunk;
    size -= chunk;
  }
  return TRUE;
}
