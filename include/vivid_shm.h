/*
 * vivid_shm.h — single-file reader for vivid-ml-engine shared-memory frames.
 * Layout and memory-ordering contract: docs/shm.md. Linux and macOS, C99 + GCC/Clang
 * __atomic builtins. No allocation except what the caller passes in.
 *
 *   vivid_shm_reader r;
 *   if (vivid_shm_open(&r, "out") == 0) {
 *       vivid_shm_frame f;
 *       int rc = vivid_shm_read(&r, buf, bufsize, &f);   // newest complete frame
 *       vivid_shm_close(&r);
 *   }
 *
 * Return codes: VIVID_SHM_OK, or a negative VIVID_SHM_E* value.
 */
#ifndef VIVID_SHM_H
#define VIVID_SHM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define VIVID_SHM_MAGIC 0x4d535656u /* "VVSM" little-endian */
#define VIVID_SHM_VERSION 1u
#define VIVID_SHM_SLOT_HEADER 64u
#define VIVID_SHM_PIXEL_RGBA8 1u
#define VIVID_SHM_STATE_LIVE 0u
#define VIVID_SHM_STATE_CLOSED 1u
#define VIVID_SHM_STATE_SUPERSEDED 2u

enum {
    VIVID_SHM_OK = 0,
    VIVID_SHM_ENOTFOUND = -1,   /* no segment of that name */
    VIVID_SHM_EHEADER = -2,     /* not a segment this header understands */
    VIVID_SHM_ENOFRAME = -3,    /* no frame published yet */
    VIVID_SHM_EGONE = -4,       /* writer closed the segment */
    VIVID_SHM_ECONTENDED = -5,  /* writer overwrote the slot on every attempt: retry */
    VIVID_SHM_EBUFFER = -6,     /* buffer smaller than stride*height (see r->frame_bytes) */
    VIVID_SHM_ESYS = -7         /* open/mmap failed: see errno */
};

typedef struct {
    char path[512];
    int fd;
    uint8_t *base;
    size_t size;
    uint32_t width, height, stride, slots;
    uint64_t slot_size, generation, header_size;
    size_t frame_bytes;
    dev_t dev;
    ino_t ino;
} vivid_shm_reader;

typedef struct {
    uint32_t width, height, stride;
    uint64_t frame;        /* writer frame number */
    uint64_t timestamp_ns; /* capture time, unix ns */
    uint64_t generation;
} vivid_shm_frame;

static inline uint32_t vivid_shm__u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t vivid_shm__u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t vivid_shm__load64(const uint8_t *p) {
    return __atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_ACQUIRE);
}
static inline uint32_t vivid_shm__load32(const uint8_t *p) {
    return __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_ACQUIRE);
}

/* vivid_shm_path writes the file backing segment name: $VIVID_SHM_DIR, else /dev/shm
 * when it exists, else $TMPDIR (macOS), else /tmp; file "vivid-shm.NAME". */
static inline void vivid_shm_path(char *out, size_t n, const char *name) {
    const char *dir = getenv("VIVID_SHM_DIR");
    struct stat st;
    if (!dir || !*dir) {
        if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) dir = "/dev/shm";
        else if ((dir = getenv("TMPDIR")) == NULL || !*dir) dir = "/tmp";
    }
    size_t l = strlen(dir);
    snprintf(out, n, "%s%svivid-shm.%s", dir, (l && dir[l - 1] == '/') ? "" : "/", name);
}

static inline int vivid_shm__map(vivid_shm_reader *r) {
    struct stat st;
    r->fd = open(r->path, O_RDONLY);
    if (r->fd < 0) return VIVID_SHM_ENOTFOUND;
    if (fstat(r->fd, &st) != 0 || st.st_size < 4096) { close(r->fd); return VIVID_SHM_EHEADER; }
    r->size = (size_t)st.st_size;
    r->dev = st.st_dev;
    r->ino = st.st_ino;
    void *m = mmap(NULL, r->size, PROT_READ, MAP_SHARED, r->fd, 0);
    if (m == MAP_FAILED) { close(r->fd); return VIVID_SHM_ESYS; }
    r->base = (uint8_t *)m;
    const uint8_t *b = r->base;
    r->header_size = vivid_shm__u32(b + 8);
    r->width = vivid_shm__u32(b + 16);
    r->height = vivid_shm__u32(b + 20);
    r->stride = vivid_shm__u32(b + 24);
    r->slots = vivid_shm__u32(b + 28);
    r->slot_size = vivid_shm__u64(b + 32);
    r->generation = vivid_shm__u64(b + 40);
    r->frame_bytes = (size_t)r->stride * r->height;
    if (vivid_shm__u32(b) != VIVID_SHM_MAGIC || vivid_shm__u32(b + 4) != VIVID_SHM_VERSION ||
        vivid_shm__u32(b + 12) != VIVID_SHM_PIXEL_RGBA8 || r->slots == 0 || r->width == 0 ||
        r->stride < 4 * r->width || r->slot_size < VIVID_SHM_SLOT_HEADER + r->frame_bytes ||
        r->header_size + (uint64_t)r->slots * r->slot_size > r->size) {
        munmap(r->base, r->size);
        close(r->fd);
        r->base = NULL;
        return VIVID_SHM_EHEADER;
    }
    return VIVID_SHM_OK;
}

/* vivid_shm_open maps segment name read-only. */
static inline int vivid_shm_open(vivid_shm_reader *r, const char *name) {
    memset(r, 0, sizeof *r);
    r->fd = -1;
    vivid_shm_path(r->path, sizeof r->path, name);
    return vivid_shm__map(r);
}

/* vivid_shm_close unmaps the segment. */
static inline void vivid_shm_close(vivid_shm_reader *r) {
    if (r->base) munmap(r->base, r->size);
    if (r->fd >= 0) close(r->fd);
    r->base = NULL;
    r->fd = -1;
}

/* vivid_shm__reopen follows the name to a newer generation (resize or new writer). */
static inline int vivid_shm__reopen(vivid_shm_reader *r) {
    struct stat st;
    if (stat(r->path, &st) != 0) return VIVID_SHM_EGONE;
    if (st.st_dev == r->dev && st.st_ino == r->ino) return VIVID_SHM_EGONE;
    vivid_shm_reader n = *r;
    int rc = vivid_shm__map(&n);
    if (rc != VIVID_SHM_OK) return rc;
    vivid_shm_close(r);
    *r = n;
    return VIVID_SHM_OK;
}

/* vivid_shm_read copies the newest complete frame into buf (at least r->frame_bytes;
 * sizes may change after a new generation, so check EBUFFER and r->frame_bytes). */
static inline int vivid_shm_read(vivid_shm_reader *r, void *buf, size_t bufsize, vivid_shm_frame *f) {
    if (vivid_shm__load32(r->base + 72) != VIVID_SHM_STATE_LIVE) {
        int rc = vivid_shm__reopen(r);
        if (rc != VIVID_SHM_OK) return rc;
    }
    if (bufsize < r->frame_bytes) return VIVID_SHM_EBUFFER;
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t c = vivid_shm__load64(r->base + 48);
        if (c == 0) return VIVID_SHM_ENOFRAME;
        const uint8_t *slot = r->base + r->header_size + ((c - 1) % r->slots) * r->slot_size;
        uint64_t s1 = vivid_shm__load64(slot);
        if (s1 & 1) continue; /* writer is filling this slot */
        uint64_t fn = vivid_shm__load64(slot + 8);
        uint64_t ts = vivid_shm__load64(slot + 16);
        if (fn == 0) return VIVID_SHM_ENOFRAME;
        memcpy(buf, slot + VIVID_SHM_SLOT_HEADER, r->frame_bytes);
        __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the copy's loads complete before the re-check */
        if (vivid_shm__load64(slot) != s1) continue; /* overwritten while copying: torn, retry */
        f->width = r->width;
        f->height = r->height;
        f->stride = r->stride;
        f->frame = fn;
        f->timestamp_ns = ts;
        f->generation = r->generation;
        return VIVID_SHM_OK;
    }
    return VIVID_SHM_ECONTENDED;
}

#endif /* VIVID_SHM_H */
