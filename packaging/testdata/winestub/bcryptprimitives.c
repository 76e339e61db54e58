/*
 * TEST-ONLY stand-in for Windows' bcryptprimitives.dll, for running Go
 * programs under Debian 12's wine 8, which lacks it. Never shipped: the
 * Windows packages do not contain it and real Windows (8 and later) has the
 * real DLL. The packaging tests build it with mingw-w64 into the test's
 * own wine prefix only.
 *
 * Go's Windows runtime (Go 1.22 and later) takes its random numbers from
 * ProcessPrng here; this one asks RtlGenRandom (advapi32's
 * SystemFunction036), which wine implements from the host's randomness.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst; (void)reason; (void)reserved;
	return TRUE;
}
