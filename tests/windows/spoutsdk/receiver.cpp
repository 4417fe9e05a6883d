// Spout SDK receiver for the wine tests: lists the senders the SDK sees, reads one
// sender's info and, where the platform's D3D11 allows, its pixels. Built at test time
// against the public Spout2 SDK (github.com/leadedge/Spout2, not in this repository):
//   SPOUT_SDK_DIR=/path/to/Spout2/SPOUTSDK scripts/windows/build-spout-receiver.sh
// Prints key=value lines; exit 0 when the sender was found.
#include <cstdio>
#include <cstring>
#include <vector>
#include <string>
#include "SpoutDX.h"

int main(int argc, char** argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: spoutrecv SENDER [tries]\n");
		return 2;
	}
	const char* want = argv[1];
	int tries = argc > 2 ? atoi(argv[2]) : 100;
	spoutDX rx;
	bool found = false;
	for (int i = 0; i < tries && !found; i++) {
		std::vector<std::string> list = rx.GetSenderList();
		for (auto& s : list) {
			if (s == want) found = true;
		}
		if (!found) Sleep(50);
	}
	printf("senders=%d\n", rx.GetSenderCount());
	for (int i = 0; i < rx.GetSenderCount(); i++) {
		char name[256] = {};
		rx.GetSender(i, name, 256);
		printf("sender=%s\n", name);
	}
	char active[256] = {};
	if (rx.GetActiveSender(active))
		printf("active=%s\n", active);
	if (!found) {
		printf("found=false\n");
		return 1;
	}
	unsigned int w = 0, h = 0;
	HANDLE handle = nullptr;
	DWORD format = 0;
	if (rx.GetSenderInfo(want, w, h, handle, format))
		printf("width=%u\nheight=%u\nformat=%lu\nhandle=%p\n", w, h, (unsigned long)format, handle);
	printf("adapter=%d\n", rx.GetSenderAdapter(want));
	fflush(stdout);
	rx.SetReceiverName(want);
	std::vector<unsigned char> pix((size_t)w * h * 4);
	bool got = false;
	for (int i = 0; i < 100 && !got; i++) {
		if (rx.ReceiveImage(pix.data(), w, h, false, false) && rx.IsFrameNew()) got = true;
		else Sleep(20);
	}
	printf("received=%s\n", got ? "true" : "false");
	if (got) {
		double sum = 0;
		for (size_t i = 0; i < pix.size(); i += 4) sum += pix[i] + pix[i + 1] + pix[i + 2];
		printf("mean=%.3f\nfirst=%02x%02x%02x%02x\nframe=%ld\n", sum / (pix.size() / 4 * 3), pix[0], pix[1], pix[2], pix[3], rx.GetSenderFrame());
	}
	rx.ReleaseReceiver();
	return 0;
}
