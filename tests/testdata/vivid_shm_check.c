/* vivid_shm_check NAME COUNT: reads COUNT distinct frames through include/vivid_shm.h,
 * verifies each holds an intact `shm write` test pattern (output/shm/pattern.go) and
 * prints {"frames":N,"torn":T,"generations":G}. Built and run by tests/shm_test.go. */
#include "vivid_shm.h"
#include <time.h>

static uint32_t crc32c(const uint8_t *p, size_t n) {
    static uint32_t table[256];
    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            table[i] = c;
        }
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static int check(const uint8_t *p, size_t len, uint64_t frame) {
    size_t n = len - 4, i = 8;
    if (vivid_shm__u64(p) != frame) return 0;
    uint64_t base = frame * 0x9e3779b97f4a7c15ull;
    for (; i + 8 <= n; i += 8)
        if (vivid_shm__u64(p + i) != base + i) return 0;
    for (; i < n; i++)
        if (p[i] != (uint8_t)base) return 0;
    return vivid_shm__u32(p + n) == crc32c(p, n);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s NAME COUNT\n", argv[0]); return 2; }
    int want = atoi(argv[2]), frames = 0, torn = 0, gens = 0;
    uint64_t last = 0, gen = 0;
    vivid_shm_reader r;
    time_t start = time(NULL);
    while (vivid_shm_open(&r, argv[1]) != VIVID_SHM_OK) {
        if (time(NULL) - start > 20) { fprintf(stderr, "no segment\n"); return 1; }
        usleep(1000);
    }
    size_t cap = r.frame_bytes;
    uint8_t *buf = malloc(cap);
    while (frames < want && time(NULL) - start < 60) {
        vivid_shm_frame f;
        int rc = vivid_shm_read(&r, buf, cap, &f);
        if (rc == VIVID_SHM_EBUFFER) { cap = r.frame_bytes; buf = realloc(buf, cap); continue; }
        if (rc != VIVID_SHM_OK || f.frame == last) { usleep(100); continue; }
        last = f.frame;
        if (f.generation != gen) { gen = f.generation; gens++; }
        frames++;
        if (!check(buf, (size_t)f.width * 4 * f.height, f.frame)) {
            torn++;
            fprintf(stderr, "torn frame %llu\n", (unsigned long long)f.frame);
        }
    }
    printf("{\"frames\":%d,\"torn\":%d,\"generations\":%d}\n", frames, torn, gens);
    free(buf);
    vivid_shm_close(&r);
    return frames == want && torn == 0 ? 0 : 1;
}
