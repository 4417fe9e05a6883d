/* bcryptprimitives.dll shim for wine 8: exports ProcessPrng, which Go >= 1.22 loads
 * from system32 at start and wine 8.0 lacks. It fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036). Build: scripts/windows/build-shim.sh. Not shipped
 * with the engine: real Windows 10+ has its own bcryptprimitives.dll. */
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
