/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 the learning-site project authors.
 *
 * bsdecode: reads an SPDK blobstore (and lvstore) image offline and prints what
 * is in its metadata: the super block, the three bit masks, every blob with its
 * metadata page chain, flags, clusters and xattrs, and the lvstore view on top
 * (lvstore name/uuid, each lvol, thin/snapshot/clone relations). Text by
 * default, JSON with --json.
 *
 * It is written from the on-disk format of SPDK v26.01 as lib/blob/blobstore.h
 * and lib/blob/blobstore.c define it, reading every field explicitly as
 * little-endian at its byte offset (the offsets are cited in comments below);
 * no SPDK structure or code is used. CRC32C (Castagnoli) is computed here.
 *
 * The image may be trimmed to its metadata (the data clusters absent): only the
 * super block, the masks and the md region are read. Anything inconsistent is
 * reported with the offset where it was found, and the program exits non-zero.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- on-disk constants (blobstore.h, v26.01) ---- */
#define BS_PAGE 4096u              /* SPDK_BS_PAGE_SIZE: struct size of a md page and the super block */
#define BS_CRC_LEN (BS_PAGE - 4u)  /* the CRC covers the first 4092 bytes */
#define BS_VERSION_MIN 1u          /* SPDK_BS_INITIAL_VERSION */
#define BS_VERSION_MAX 3u          /* SPDK_BS_VERSION */
#define BLOBID_HIGH_BIT ((uint64_t)1 << 32)
#define INVALID_PAGE UINT32_MAX
#define BLOBID_INVALID UINT64_MAX

/* super block byte offsets */
#define SB_SIG 0
#define SB_VERSION 8
#define SB_LENGTH 12
#define SB_CLEAN 16
#define SB_SUPER_BLOB 20
#define SB_CLUSTER_SIZE 28
#define SB_PAGE_MASK 32      /* start, len (u32 each) */
#define SB_CLUSTER_MASK 40
#define SB_MD 48
#define SB_BSTYPE 56         /* 16 bytes */
#define SB_BLOBID_MASK 72
#define SB_SIZE 80
#define SB_IO_UNIT 88
#define SB_MD_PAGE_SIZE 92
#define SB_CRC 4092

/* md page byte offsets */
#define PG_ID 0
#define PG_SEQ 8
#define PG_DESC 16
#define PG_DESC_LEN 4072u
#define PG_NEXT 4088
#define PG_CRC 4092

/* descriptor header: type (u8) + length (u32), packed */
#define DESC_HDR 5u
#define DESC_PADDING 0
#define DESC_EXTENT_RLE 1
#define DESC_XATTR 2
#define DESC_FLAGS 3
#define DESC_XATTR_INTERNAL 4
#define DESC_EXTENT_TABLE 5
#define DESC_EXTENT_PAGE 6

/* mask header: type (u8) + length in bits (u32), packed; bits from byte 5 */
#define MASK_HDR 5u
#define MASK_USED_PAGES 0
#define MASK_USED_CLUSTERS 1
#define MASK_USED_BLOBIDS 2

/* flag bits */
#define INV_THIN_PROV ((uint64_t)1 << 0)
#define INV_INTERNAL_XATTR ((uint64_t)1 << 1)
#define INV_EXTENT_TABLE ((uint64_t)1 << 2)
#define INV_EXTERNAL_SNAPSHOT ((uint64_t)1 << 3)
#define INV_KNOWN (INV_THIN_PROV | INV_INTERNAL_XATTR | INV_EXTENT_TABLE | INV_EXTERNAL_SNAPSHOT)
#define DRO_READ_ONLY ((uint64_t)1 << 0)
#define MDRO_CLEAR_METHOD ((uint64_t)3)

/* Clusters per extent page: SPDK_EXTENTS_PER_EP for 4 KiB pages, i.e. the
 * largest power of two not above (4072 - 9) / 4 = 1015. */
#define EXTENTS_PER_EP 512u

#define MAX_INPUT (1024ULL * 1024 * 1024)

/* ---- error reporting ---- */
static char g_err[512];

/* Sets the message and yields rc (a negative errno). A macro rather than a
 * variadic function: snprintf checks every format string against its args. */
#define FAIL(rc, ...) ((void)snprintf(g_err, sizeof(g_err), __VA_ARGS__), (rc))

/* ---- little-endian reads ---- */
static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

/* ---- CRC32C: reflected Castagnoli polynomial 0x82F63B78, seed and final
 * xor 0xFFFFFFFF (BLOB_CRC32C_INITIAL in blobstore.c) ---- */
static uint32_t g_crc_table[256];

static void
crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++) {
			c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		}
		g_crc_table[i] = c;
	}
}

static uint32_t
page_crc(const uint8_t *p)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < BS_CRC_LEN; i++) {
		c = g_crc_table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
	}
	return c ^ 0xFFFFFFFFu;
}

/* ---- growable arrays ---- */
static int
grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	void *n;
	size_t ncap;

	if (need <= *cap) {
		return 0;
	}
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need) {
		ncap *= 2;
	}
	n = realloc(*arr, ncap * elem);
	if (n == NULL) {
		return FAIL(-ENOMEM, "out of memory");
	}
	*arr = n;
	*cap = ncap;
	return 0;
}

/* ---- decoded model ---- */
struct region {
	uint32_t start;
	uint32_t len;
};

struct super {
	char sig[9];
	uint32_t version, length, clean;
	uint64_t super_blob;
	uint32_t cluster_size;
	struct region page_mask, cluster_mask, md, blobid_mask;
	char bstype[17];
	uint64_t size;
	uint32_t io_unit_size, md_page_size, md_page_size_raw;
	uint32_t crc, crc_calc;
};

struct mask {
	const char *name;
	uint8_t type;
	uint32_t length;
	uint64_t offset;
	const uint8_t *bits;
	uint64_t set;
};

struct xattr {
	const char *name;
	uint16_t name_len;
	const uint8_t *value;
	uint16_t value_len;
	int internal;
	uint32_t page;
};

struct mdpage {
	uint32_t page, seq, next, crc;
};

struct run {           /* allocated clusters: blob clusters [blob_cluster, +count) at disk [disk, +count) */
	uint64_t blob_cluster;
	uint32_t disk_cluster;
	uint64_t count;
};

struct eppage {
	uint64_t header_id;    /* the id field of the extent page */
	uint32_t page;
	uint32_t start_cluster;
	uint32_t entries;
};

struct blob {
	uint64_t id;
	struct mdpage *pages;
	size_t npages, cpages;
	int have_flags;
	uint64_t invalid, data_ro, md_ro;
	int rle_found, table_found;
	uint64_t num_clusters, num_allocated;
	struct run *runs;
	size_t nruns, cruns;
	uint32_t *table;       /* extent table: md page per extent page, 0 = unallocated */
	size_t ntable, ctable;
	uint64_t table_clusters;
	struct eppage *eps;
	size_t neps, ceps;
	struct xattr *xa;
	size_t nxa, cxa;
	unsigned unknown_desc;
	int has_parent;
	uint64_t parent;
	int is_snapshot;       /* some other blob names it in BLOB_SNAPSHOT */
};

struct store {
	const uint8_t *img;
	size_t len;
	const char *path;
	uint64_t md_end;
	struct super sb;
	struct mask masks[3];
	uint64_t total_clusters, md_clusters, total_data_clusters, free_clusters;
	struct blob *blobs;
	size_t nblobs, cblobs;
	uint8_t *page_seen;    /* per md page: 1 blob page, 2 extent page */
	char warnings[16][256]; /* MAX_WARNINGS */
	unsigned nwarn;
};

#define MAX_WARNINGS 16
#define WARN(s, ...)                                                                                  \
	do {                                                                                          \
		if ((s)->nwarn < MAX_WARNINGS) {                                                      \
			(void)snprintf((s)->warnings[(s)->nwarn], sizeof((s)->warnings[0]), __VA_ARGS__); \
			(s)->nwarn++;                                                                 \
		}                                                                                     \
	} while (0)

static int
mask_get(const struct mask *m, uint64_t bit)
{
	if (bit >= m->length) {
		return 0;
	}
	return (m->bits[bit / 8] >> (bit % 8)) & 1;
}

static uint64_t
md_page_offset(const struct store *s, uint32_t page)
{
	return ((uint64_t)s->sb.md.start + page) * s->sb.md_page_size;
}

/* ---- super block ---- */
static int
parse_super(struct store *s)
{
	const uint8_t *p = s->img;
	struct super *sb = &s->sb;
	struct region *regs[4] = { &sb->page_mask, &sb->cluster_mask, &sb->md, &sb->blobid_mask };
	const int offs[4] = { SB_PAGE_MASK, SB_CLUSTER_MASK, SB_MD, SB_BLOBID_MASK };

	if (s->len < BS_PAGE) {
		return FAIL(-EINVAL, "image is %zu bytes, shorter than a super block (4096 bytes) at offset 0", s->len);
	}
	memcpy(sb->sig, p + SB_SIG, 8);
	sb->sig[8] = '\0';
	if (memcmp(sb->sig, "SPDKBLOB", 8) != 0) {
		return FAIL(-EILSEQ, "no blobstore signature \"SPDKBLOB\" at offset 0 (not a blobstore)");
	}
	sb->version = le32(p + SB_VERSION);
	sb->length = le32(p + SB_LENGTH);
	sb->clean = le32(p + SB_CLEAN);
	sb->super_blob = le64(p + SB_SUPER_BLOB);
	sb->cluster_size = le32(p + SB_CLUSTER_SIZE);
	for (int i = 0; i < 4; i++) {
		regs[i]->start = le32(p + offs[i]);
		regs[i]->len = le32(p + offs[i] + 4);
	}
	memcpy(sb->bstype, p + SB_BSTYPE, 16);
	sb->bstype[16] = '\0';
	sb->size = le64(p + SB_SIZE);
	sb->io_unit_size = le32(p + SB_IO_UNIT);
	sb->md_page_size_raw = le32(p + SB_MD_PAGE_SIZE);
	/* Older stores leave md_page_size at 0, which the loader takes as 4096. */
	sb->md_page_size = sb->md_page_size_raw ? sb->md_page_size_raw : BS_PAGE;
	sb->crc = le32(p + SB_CRC);
	sb->crc_calc = page_crc(p);

	if (sb->crc != sb->crc_calc) {
		return FAIL(-EILSEQ, "super block CRC mismatch at offset %d: stored 0x%08" PRIx32
			    ", computed 0x%08" PRIx32, SB_CRC, sb->crc, sb->crc_calc);
	}
	if (sb->version < BS_VERSION_MIN || sb->version > BS_VERSION_MAX) {
		return FAIL(-EILSEQ, "super block version %" PRIu32 " at offset %d is outside %u..%u",
			    sb->version, SB_VERSION, BS_VERSION_MIN, BS_VERSION_MAX);
	}
	if (sb->md_page_size < BS_PAGE || (sb->md_page_size & (sb->md_page_size - 1)) != 0) {
		return FAIL(-EILSEQ, "md_page_size %" PRIu32 " at offset %d is not a power of two >= 4096",
			    sb->md_page_size, SB_MD_PAGE_SIZE);
	}
	if (sb->cluster_size == 0 || sb->cluster_size % sb->md_page_size != 0) {
		return FAIL(-EILSEQ, "cluster_size %" PRIu32 " at offset %d is not a multiple of the md page size",
			    sb->cluster_size, SB_CLUSTER_SIZE);
	}
	if (sb->size == 0) {
		return FAIL(-EILSEQ, "blobstore size 0 at offset %d", SB_SIZE);
	}
	s->md_end = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t end = (uint64_t)regs[i]->start + regs[i]->len;

		if (regs[i]->start == 0 && regs[i]->len != 0) {
			return FAIL(-EILSEQ, "region at super block offset %d starts at page 0 (the super block)", offs[i]);
		}
		if (end > s->md_end) {
			s->md_end = end;
		}
	}
	s->md_end *= sb->md_page_size;
	if (s->md_end > sb->size) {
		return FAIL(-EILSEQ, "metadata ends at byte %" PRIu64 ", beyond the blobstore size %" PRIu64,
			    s->md_end, sb->size);
	}
	if (s->len < s->md_end) {
		return FAIL(-EINVAL, "image is %zu bytes but the metadata region ends at byte %" PRIu64
			    " (truncated inside the metadata)", s->len, s->md_end);
	}
	if (sb->md.len == 0) {
		return FAIL(-EILSEQ, "md region length 0 at offset %d", SB_MD + 4);
	}
	s->total_clusters = sb->size / sb->cluster_size;
	{
		uint64_t ppc = sb->cluster_size / sb->md_page_size;

		s->md_clusters = ((uint64_t)sb->md.start + sb->md.len + ppc - 1) / ppc;
	}
	if (s->md_clusters > s->total_clusters) {
		return FAIL(-EILSEQ, "metadata (%" PRIu64 " clusters) is larger than the store (%" PRIu64 " clusters)",
			    s->md_clusters, s->total_clusters);
	}
	s->total_data_clusters = s->total_clusters - s->md_clusters;
	return 0;
}

/* ---- masks ---- */
static int
parse_mask(struct store *s, struct mask *m, const char *name, uint8_t type, struct region r, uint64_t min_bits,
	   uint64_t exact_bits)
{
	uint64_t off = (uint64_t)r.start * s->sb.md_page_size;
	uint64_t bytes = (uint64_t)r.len * s->sb.md_page_size;
	const uint8_t *p;

	m->name = name;
	m->offset = off;
	if (r.len == 0) {
		return FAIL(-EILSEQ, "%s mask has length 0 in the super block", name);
	}
	p = s->img + off;
	m->type = p[0];
	m->length = le32(p + 1);
	m->bits = p + MASK_HDR;
	if (m->type != type) {
		return FAIL(-EILSEQ, "%s mask at offset %" PRIu64 " has type %u, expected %u", name, off, m->type, type);
	}
	if ((uint64_t)m->length > (bytes - MASK_HDR) * 8) {
		return FAIL(-EILSEQ, "%s mask at offset %" PRIu64 " claims %" PRIu32 " bits, more than its %" PRIu64
			    " bytes hold", name, off, m->length, bytes);
	}
	if (m->length < min_bits || (exact_bits != 0 && m->length != exact_bits)) {
		return FAIL(-EILSEQ, "%s mask at offset %" PRIu64 " has %" PRIu32 " bits, expected %" PRIu64,
			    name, off, m->length, exact_bits ? exact_bits : min_bits);
	}
	m->set = 0;
	for (uint64_t i = 0; i < m->length; i++) {
		m->set += (uint64_t)mask_get(m, i);
	}
	return 0;
}

static int
parse_masks(struct store *s)
{
	int rc;

	rc = parse_mask(s, &s->masks[0], "used_pages", MASK_USED_PAGES, s->sb.page_mask, 0, s->sb.md.len);
	if (rc == 0) {
		rc = parse_mask(s, &s->masks[1], "used_clusters", MASK_USED_CLUSTERS, s->sb.cluster_mask,
				s->total_clusters, 0);
	}
	if (rc == 0) {
		rc = parse_mask(s, &s->masks[2], "used_blobids", MASK_USED_BLOBIDS, s->sb.blobid_mask, 0, s->sb.md.len);
	}
	if (rc == 0) {
		uint64_t used = 0;

		/* Bits past total_clusters (after a failed grow) are ignored by the loader. */
		for (uint64_t i = 0; i < s->total_clusters; i++) {
			used += (uint64_t)mask_get(&s->masks[1], i);
		}
		s->free_clusters = s->total_clusters - used;
	}
	return rc;
}

/* ---- blobs ---- */
static int
add_run(struct blob *b, uint64_t blob_cluster, uint32_t disk_cluster)
{
	struct run *last = b->nruns ? &b->runs[b->nruns - 1] : NULL;

	if (last && last->blob_cluster + last->count == blob_cluster &&
	    (uint64_t)last->disk_cluster + last->count == disk_cluster) {
		last->count++;
		return 0;
	}
	if (grow((void **)&b->runs, &b->cruns, b->nruns + 1, sizeof(*b->runs)) != 0) {
		return -ENOMEM;
	}
	b->runs[b->nruns].blob_cluster = blob_cluster;
	b->runs[b->nruns].disk_cluster = disk_cluster;
	b->runs[b->nruns].count = 1;
	b->nruns++;
	return 0;
}

/* One cluster entry of an extent RLE run or an extent page: 0 = unallocated. */
static int
add_cluster(struct store *s, struct blob *b, uint64_t disk, uint64_t off)
{
	if (disk != 0) {
		if (disk >= s->total_clusters) {
			return FAIL(-EILSEQ, "blob 0x%" PRIx64 ": cluster %" PRIu64 " at offset %" PRIu64
				    " is beyond the store (%" PRIu64 " clusters)", b->id, disk, off, s->total_clusters);
		}
		if (!mask_get(&s->masks[1], disk)) {
			WARN(s, "blob 0x%" PRIx64 " uses cluster %" PRIu64 " (entry at offset %" PRIu64
			     ") that used_clusters marks free", b->id, disk, off);
		}
		if (add_run(b, b->num_clusters, (uint32_t)disk) != 0) {
			return -ENOMEM;
		}
		b->num_allocated++;
	} else if (!(b->invalid & INV_THIN_PROV)) {
		return FAIL(-EILSEQ, "blob 0x%" PRIx64 " is not thin provisioned but has an unallocated cluster "
			    "(entry at offset %" PRIu64 ")", b->id, off);
	}
	b->num_clusters++;
	return 0;
}

static int
parse_descriptors(struct store *s, struct blob *b, uint32_t page, int extent_page)
{
	const uint8_t *base = s->img + md_page_offset(s, page) + PG_DESC;
	uint64_t pgoff = md_page_offset(s, page);
	size_t cur = 0;

	while (cur + DESC_HDR <= PG_DESC_LEN) {
		const uint8_t *d = base + cur;
		uint8_t type = d[0];
		uint32_t len = le32(d + 1);
		uint64_t doff = pgoff + PG_DESC + cur;

		if (type == DESC_PADDING && len == 0) {
			break;  /* padding of length 0 ends the page */
		}
		if (len > PG_DESC_LEN - cur - DESC_HDR) {
			return FAIL(-EILSEQ, "descriptor type %u at offset %" PRIu64 " has length %" PRIu32
				    ", past the end of md page %" PRIu32, type, doff, len, page);
		}
		if (extent_page && type != DESC_EXTENT_PAGE) {
			return FAIL(-EILSEQ, "extent page %" PRIu32 " holds a descriptor of type %u at offset %" PRIu64,
				    page, type, doff);
		}
		switch (type) {
		case DESC_PADDING:
			break;
		case DESC_FLAGS:
			if (len != 24) {
				return FAIL(-EILSEQ, "flags descriptor at offset %" PRIu64 " has length %" PRIu32
					    ", expected 24", doff, len);
			}
			b->have_flags = 1;
			b->invalid = le64(d + 5);
			b->data_ro = le64(d + 13);
			b->md_ro = le64(d + 21);
			if ((b->invalid & ~INV_KNOWN) != 0) {
				WARN(s, "blob 0x%" PRIx64 " has unknown invalid_flags 0x%" PRIx64
				     " (SPDK v26.01 would refuse to open it)", b->id, b->invalid & ~INV_KNOWN);
			}
			break;
		case DESC_XATTR:
		case DESC_XATTR_INTERNAL: {
			uint16_t nl, vl;
			struct xattr *x;

			if (len < 4) {
				return FAIL(-EILSEQ, "xattr descriptor at offset %" PRIu64 " is too short", doff);
			}
			nl = le16(d + 5);
			vl = le16(d + 7);
			if (len != 4u + nl + vl) {
				return FAIL(-EILSEQ, "xattr descriptor at offset %" PRIu64 ": length %" PRIu32
					    " != 4 + name %u + value %u", doff, len, nl, vl);
			}
			if (grow((void **)&b->xa, &b->cxa, b->nxa + 1, sizeof(*b->xa)) != 0) {
				return -ENOMEM;
			}
			x = &b->xa[b->nxa++];
			x->name = (const char *)(d + 9);
			x->name_len = nl;
			x->value = d + 9 + nl;
			x->value_len = vl;
			x->internal = type == DESC_XATTR_INTERNAL;
			x->page = page;
			break;
		}
		case DESC_EXTENT_RLE: {
			if (b->table_found) {
				return FAIL(-EILSEQ, "blob 0x%" PRIx64 ": extent RLE at offset %" PRIu64
					    " next to an extent table", b->id, doff);
			}
			if (len == 0 || len % 8 != 0) {
				return FAIL(-EILSEQ, "extent RLE descriptor at offset %" PRIu64 " has length %" PRIu32,
					    doff, len);
			}
			b->rle_found = 1;
			for (size_t i = 0; i < len / 8; i++) {
				uint32_t idx = le32(d + 5 + 8 * i);
				uint32_t n = le32(d + 9 + 8 * i);

				if (idx == 0) {
					/* an unallocated run: only thin blobs may have one */
					if (!(b->invalid & INV_THIN_PROV)) {
						return FAIL(-EILSEQ, "blob 0x%" PRIx64 " is not thin provisioned but has an "
							    "unallocated run (entry at offset %" PRIu64 ")", b->id, doff + 5 + (uint64_t)8 * i);
					}
					b->num_clusters += n;
					continue;
				}
				if ((uint64_t)idx + n > s->total_clusters) {
					return FAIL(-EILSEQ, "blob 0x%" PRIx64 ": run of %" PRIu32 " clusters at cluster %" PRIu32
						    " (offset %" PRIu64 ") passes the end of the store (%" PRIu64 " clusters)",
						    b->id, n, idx, doff + 5 + (uint64_t)8 * i, s->total_clusters);
				}
				for (uint32_t j = 0; j < n; j++) {
					int rc = add_cluster(s, b, (uint64_t)idx + j, doff + 5 + (uint64_t)8 * i);

					if (rc != 0) {
						return rc;
					}
				}
			}
			break;
		}
		case DESC_EXTENT_TABLE: {
			uint64_t ncl;

			if (b->rle_found) {
				return FAIL(-EILSEQ, "blob 0x%" PRIx64 ": extent table at offset %" PRIu64
					    " next to an extent RLE", b->id, doff);
			}
			if (len < 8 || (len - 8) % 8 != 0) {
				return FAIL(-EILSEQ, "extent table descriptor at offset %" PRIu64 " has length %" PRIu32,
					    doff, len);
			}
			ncl = le64(d + 5);
			if (b->table_found && ncl != b->table_clusters) {
				return FAIL(-EILSEQ, "extent table at offset %" PRIu64 " says %" PRIu64
					    " clusters, an earlier one %" PRIu64, doff, ncl, b->table_clusters);
			}
			b->table_found = 1;
			b->table_clusters = ncl;
			for (size_t i = 0; i < (len - 8) / 8; i++) {
				uint32_t pidx = le32(d + 13 + 8 * i);
				uint32_t n = le32(d + 17 + 8 * i);

				if (pidx != 0 && n != 1) {
					return FAIL(-EILSEQ, "extent table entry at offset %" PRIu64
						    " names page %" PRIu32 " with count %" PRIu32 " (must be 1)",
						    doff + 13 + (uint64_t)8 * i, pidx, n);
				}
				if (pidx == 0 && !(b->invalid & INV_THIN_PROV)) {
					return FAIL(-EILSEQ, "blob 0x%" PRIx64 " is not thin provisioned but its extent "
						    "table has unallocated pages (offset %" PRIu64 ")", b->id,
						    doff + 13 + (uint64_t)8 * i);
				}
				if (n > s->sb.md.len) {
					return FAIL(-EILSEQ, "extent table entry at offset %" PRIu64
						    " counts %" PRIu32 " pages", doff + 13 + (uint64_t)8 * i, n);
				}
				if (b->ntable + n > (size_t)s->sb.md.len + (b->table_clusters / EXTENTS_PER_EP) + 1) {
					return FAIL(-EILSEQ, "extent table of blob 0x%" PRIx64 " at offset %" PRIu64
						    " lists more extent pages than its clusters or the md region need",
						    b->id, doff);
				}
				for (uint32_t j = 0; j < n; j++) {
					if (grow((void **)&b->table, &b->ctable, b->ntable + 1, sizeof(*b->table)) != 0) {
						return -ENOMEM;
					}
					b->table[b->ntable++] = pidx;
				}
			}
			break;
		}
		case DESC_EXTENT_PAGE: {
			uint32_t start, n;
			struct eppage *e;

			if (b->rle_found) {
				return FAIL(-EILSEQ, "blob 0x%" PRIx64 ": extent page descriptor at offset %" PRIu64
					    " next to an extent RLE", b->id, doff);
			}
			if (len <= 4 || (len - 4) % 4 != 0) {
				return FAIL(-EILSEQ, "extent page descriptor at offset %" PRIu64 " has length %" PRIu32,
					    doff, len);
			}
			start = le32(d + 5);
			n = (len - 4) / 4;
			if (start != b->num_clusters) {
				return FAIL(-EILSEQ, "extent page descriptor at offset %" PRIu64 " starts at cluster %"
					    PRIu32 ", expected %" PRIu64, doff, start, b->num_clusters);
			}
			if (grow((void **)&b->eps, &b->ceps, b->neps + 1, sizeof(*b->eps)) != 0) {
				return -ENOMEM;
			}
			e = &b->eps[b->neps++];
			e->page = page;
			e->header_id = le64(s->img + pgoff + PG_ID);
			e->start_cluster = start;
			e->entries = n;
			for (size_t i = 0; i < n; i++) {
				int rc = add_cluster(s, b, le32(d + 9 + 4 * i), doff + 9 + (uint64_t)4 * i);

				if (rc != 0) {
					return rc;
				}
			}
			break;
		}
		default:
			/* Unknown descriptors are skipped, as the loader does. */
			b->unknown_desc++;
			break;
		}
		cur += DESC_HDR + len;
	}
	return 0;
}

/* Checks one md page of blob `id`: inside the md region, CRC, owner (unless
 * check_owner is 0), set in used_pages, not seen before. */
static int
check_page(struct store *s, uint32_t page, uint64_t id, const char *what, int check_owner)
{
	const uint8_t *p;
	uint64_t off;
	uint32_t crc;

	if (page >= s->sb.md.len) {
		return FAIL(-EILSEQ, "blob 0x%" PRIx64 ": %s md page %" PRIu32 " is outside the md region (%" PRIu32
			    " pages)", id, what, page, s->sb.md.len);
	}
	off = md_page_offset(s, page);
	p = s->img + off;
	crc = page_crc(p);
	if (crc != le32(p + PG_CRC)) {
		return FAIL(-EILSEQ, "CRC mismatch in md page %" PRIu32 " (offset %" PRIu64 ", blob 0x%" PRIx64
			    ", %s): stored 0x%08" PRIx32 ", computed 0x%08" PRIx32, page, off, id, what,
			    le32(p + PG_CRC), crc);
	}
	if (check_owner && le64(p + PG_ID) != id) {
		return FAIL(-EILSEQ, "md page %" PRIu32 " at offset %" PRIu64 " belongs to blob 0x%" PRIx64
			    ", expected 0x%" PRIx64, page, off, le64(p + PG_ID), id);
	}
	if (!mask_get(&s->masks[0], page)) {
		WARN(s, "md page %" PRIu32 " (blob 0x%" PRIx64 ", %s) is not set in used_pages", page, id, what);
	}
	if (s->page_seen[page]) {
		return FAIL(-EILSEQ, "md page %" PRIu32 " at offset %" PRIu64 " is used twice (blob 0x%" PRIx64 ")",
			    page, off, id);
	}
	return 0;
}

static int
parse_blob(struct store *s, uint32_t first)
{
	struct blob *b;
	uint32_t page = first;
	int rc;

	if (grow((void **)&s->blobs, &s->cblobs, s->nblobs + 1, sizeof(*s->blobs)) != 0) {
		return -ENOMEM;
	}
	b = &s->blobs[s->nblobs++];
	memset(b, 0, sizeof(*b));
	b->id = BLOBID_HIGH_BIT | first;

	/* The md page chain: first page = low 32 bits of the id, then next. */
	for (uint32_t seq = 0;; seq++) {
		const uint8_t *p;
		struct mdpage *mp;

		rc = check_page(s, page, b->id, seq == 0 ? "first" : "chained", 1);
		if (rc != 0) {
			return rc;
		}
		p = s->img + md_page_offset(s, page);
		if (le32(p + PG_SEQ) != seq) {
			return FAIL(-EILSEQ, "md page %" PRIu32 " at offset %" PRIu64 " has sequence number %" PRIu32
				    ", expected %" PRIu32, page, md_page_offset(s, page) + PG_SEQ, le32(p + PG_SEQ), seq);
		}
		s->page_seen[page] = 1;
		if (grow((void **)&b->pages, &b->cpages, b->npages + 1, sizeof(*b->pages)) != 0) {
			return -ENOMEM;
		}
		mp = &b->pages[b->npages++];
		mp->page = page;
		mp->seq = seq;
		mp->next = le32(p + PG_NEXT);
		mp->crc = le32(p + PG_CRC);
		if (mp->next == INVALID_PAGE) {
			break;
		}
		page = mp->next;
	}
	/* Descriptors are parsed after the chain so flags (thin) are known
	 * before the extents whatever their order: SPDK writes flags first. */
	for (size_t i = 0; i < b->npages; i++) {
		rc = parse_descriptors(s, b, b->pages[i].page, 0);
		if (rc != 0) {
			return rc;
		}
	}
	if (b->table_found) {
		uint64_t remaining = b->table_clusters;

		if (b->num_clusters != 0) {
			return FAIL(-EILSEQ, "blob 0x%" PRIx64 " has extent page descriptors in its own md pages", b->id);
		}
		for (size_t i = 0; i < b->ntable; i++) {
			uint32_t ep = b->table[i];

			if (ep == 0) {
				uint64_t n = remaining < EXTENTS_PER_EP ? remaining : EXTENTS_PER_EP;

				b->num_clusters += n;
				remaining -= n;
				continue;
			}
			/* An extent page's id field names the blob that wrote it; a
			 * snapshot swaps extent page arrays between the two blobs
			 * (bs_snapshot_swap_cluster_maps) without rewriting the pages,
			 * and the loader does not compare that field. So it is shown,
			 * not enforced. */
			rc = check_page(s, ep, b->id, "extent", 0);
			if (rc != 0) {
				return rc;
			}
			{
				const uint8_t *p = s->img + md_page_offset(s, ep);
				uint64_t before = b->num_clusters;

				if (le32(p + PG_SEQ) != 0 || le32(p + PG_NEXT) != INVALID_PAGE) {
					return FAIL(-EILSEQ, "extent page %" PRIu32 " at offset %" PRIu64
						    " has sequence %" PRIu32 " / next %" PRIu32 " (must be 0 / none)",
						    ep, md_page_offset(s, ep), le32(p + PG_SEQ), le32(p + PG_NEXT));
				}
				s->page_seen[ep] = 2;
				rc = parse_descriptors(s, b, ep, 1);
				if (rc != 0) {
					return rc;
				}
				if (b->num_clusters - before > remaining) {
					return FAIL(-EILSEQ, "extent page %" PRIu32 " holds more clusters than the extent "
						    "table of blob 0x%" PRIx64 " has left", ep, b->id);
				}
				remaining -= b->num_clusters - before;
			}
		}
		if (remaining != 0) {
			WARN(s, "blob 0x%" PRIx64 ": extent table says %" PRIu64 " clusters, extent pages cover %" PRIu64,
			     b->id, b->table_clusters, b->num_clusters);
		}
	}
	for (size_t i = 0; i < b->nxa; i++) {
		const struct xattr *x = &b->xa[i];

		if (x->internal && x->name_len == 4 && memcmp(x->name, "SNAP", 4) == 0) {
			if (x->value_len != 8) {
				return FAIL(-EILSEQ, "blob 0x%" PRIx64 ": internal xattr SNAP has %u bytes, expected 8",
					    b->id, x->value_len);
			}
			b->has_parent = 1;
			b->parent = le64(x->value);
		}
	}
	return 0;
}

static struct blob *
find_blob(struct store *s, uint64_t id)
{
	for (size_t i = 0; i < s->nblobs; i++) {
		if (s->blobs[i].id == id) {
			return &s->blobs[i];
		}
	}
	return NULL;
}

static int
parse_blobs(struct store *s)
{
	int rc;

	s->page_seen = calloc((size_t)s->sb.md.len + 1, 1);
	if (s->page_seen == NULL) {
		return FAIL(-ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < s->sb.md.len; i++) {
		if (!mask_get(&s->masks[2], i)) {
			continue;
		}
		rc = parse_blob(s, i);
		if (rc != 0) {
			return rc;
		}
	}
	for (uint32_t i = 0; i < s->sb.md.len; i++) {
		if (mask_get(&s->masks[0], i) && !s->page_seen[i]) {
			WARN(s, "md page %" PRIu32 " is set in used_pages but belongs to no blob", i);
		}
	}
	for (size_t i = 0; i < s->nblobs; i++) {
		struct blob *b = &s->blobs[i];

		if (b->has_parent) {
			struct blob *p = find_blob(s, b->parent);

			if (p == NULL) {
				WARN(s, "blob 0x%" PRIx64 " names snapshot 0x%" PRIx64 ", which is not in the store",
				     b->id, b->parent);
			} else {
				p->is_snapshot = 1;
			}
		}
	}
	if (s->sb.super_blob != BLOBID_INVALID && find_blob(s, s->sb.super_blob) == NULL) {
		WARN(s, "super blob 0x%" PRIx64 " is not in the store", s->sb.super_blob);
	}
	{
		uint64_t used = s->md_clusters;

		for (size_t i = 0; i < s->nblobs; i++) {
			used += s->blobs[i].num_allocated;
		}
		if (used != s->total_clusters - s->free_clusters) {
			WARN(s, "used_clusters has %" PRIu64 " clusters set, metadata plus blobs account for %" PRIu64,
			     s->total_clusters - s->free_clusters, used);
		}
	}
	return 0;
}

/* ---- value helpers ---- */
static const struct xattr *
find_xattr(const struct blob *b, const char *name, int internal)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < b->nxa; i++) {
		const struct xattr *x = &b->xa[i];

		if (x->internal == internal && x->name_len == nl && memcmp(x->name, name, nl) == 0) {
			return x;
		}
	}
	return NULL;
}

/* A value is text if it is printable ASCII followed only by NUL bytes. */
static int
value_is_text(const uint8_t *v, size_t n, size_t *textlen)
{
	size_t i = 0;

	while (i < n && v[i] >= 0x20 && v[i] < 0x7f) {
		i++;
	}
	*textlen = i;
	if (i == 0 && n != 0 && v[0] != 0) {
		return 0;
	}
	for (size_t j = i; j < n; j++) {
		if (v[j] != 0) {
			return 0;
		}
	}
	return 1;
}

static const char *
clear_method_name(uint64_t md_ro)
{
	static const char *const names[4] = { "default", "none", "unmap", "write_zeroes" };

	return names[md_ro & MDRO_CLEAR_METHOD];
}

/* ---- JSON output ---- */
static void
json_str(FILE *o, const char *p, size_t n)
{
	fputc('"', o);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\') {
			fprintf(o, "\\%c", c);
		} else if (c < 0x20 || c >= 0x7f) {
			fprintf(o, "\\u%04x", c);
		} else {
			fputc(c, o);
		}
	}
	fputc('"', o);
}

static void
json_cstr(FILE *o, const char *p)
{
	json_str(o, p, strlen(p));
}

static void
json_hex(FILE *o, const uint8_t *v, size_t n)
{
	fputc('"', o);
	for (size_t i = 0; i < n; i++) {
		fprintf(o, "%02x", v[i]);
	}
	fputc('"', o);
}

static void
json_id(FILE *o, uint64_t id)
{
	fprintf(o, "\"0x%" PRIx64 "\"", id);
}

static void
json_ranges(FILE *o, const struct mask *m)
{
	int first = 1;
	uint64_t i = 0;

	fputc('[', o);
	while (i < m->length) {
		uint64_t j;

		if (!mask_get(m, i)) {
			i++;
			continue;
		}
		j = i;
		while (j + 1 < m->length && mask_get(m, j + 1)) {
			j++;
		}
		fprintf(o, "%s[%" PRIu64 ", %" PRIu64 "]", first ? "" : ", ", i, j);
		first = 0;
		i = j + 1;
	}
	fputc(']', o);
}

static void
json_flag_names(FILE *o, uint64_t v, const char *const *names, int n)
{
	int first = 1;

	fputc('[', o);
	for (int i = 0; i < n; i++) {
		if (v & (1ULL << i)) {
			fprintf(o, "%s\"%s\"", first ? "" : ", ", names[i]);
			first = 0;
		}
	}
	fputc(']', o);
}

static const char *const g_inv_names[4] = { "thin_provision", "internal_xattr", "extent_table", "external_snapshot" };

/* The decoded meaning of an internal xattr value, or NULL. */
static const char *
internal_meaning(const struct xattr *x)
{
	static const struct {
		const char *name;
		const char *meaning;
	} known[] = {
		{ "SNAP", "parent snapshot blob id (BLOB_SNAPSHOT)" },
		{ "SNAPTMP", "snapshot in progress: id of the blob being snapshotted (SNAPSHOT_IN_PROGRESS)" },
		{ "SNAPRM", "snapshot pending removal: id of its clone (SNAPSHOT_PENDING_REMOVAL)" },
		{ "EXTSNAP", "external snapshot id (BLOB_EXTERNAL_SNAPSHOT_ID)" },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strlen(known[i].name) == x->name_len && memcmp(known[i].name, x->name, x->name_len) == 0) {
			return known[i].meaning;
		}
	}
	return NULL;
}

static int
xattr_is_id(const struct xattr *x)
{
	return x->internal && x->value_len == 8 &&
	       ((x->name_len == 4 && memcmp(x->name, "SNAP", 4) == 0) ||
		(x->name_len == 7 && memcmp(x->name, "SNAPTMP", 7) == 0) ||
		(x->name_len == 6 && memcmp(x->name, "SNAPRM", 6) == 0));
}

static void
json_xattrs(FILE *o, const struct blob *b, int internal)
{
	int first = 1;

	fputc('[', o);
	for (size_t i = 0; i < b->nxa; i++) {
		const struct xattr *x = &b->xa[i];
		size_t tl;
		const char *meaning;

		if (x->internal != internal) {
			continue;
		}
		fprintf(o, "%s\n        {\"name\": ", first ? "" : ",");
		first = 0;
		json_str(o, x->name, x->name_len);
		fprintf(o, ", \"md_page\": %" PRIu32 ", \"value_len\": %u, \"value_hex\": ", x->page, x->value_len);
		json_hex(o, x->value, x->value_len);
		if (xattr_is_id(x)) {
			fputs(", \"blob_id\": ", o);
			json_id(o, le64(x->value));
		} else if (value_is_text(x->value, x->value_len, &tl)) {
			fputs(", \"text\": ", o);
			json_str(o, (const char *)x->value, tl);
		}
		meaning = internal ? internal_meaning(x) : NULL;
		if (meaning != NULL) {
			fputs(", \"meaning\": ", o);
			json_cstr(o, meaning);
		}
		fputc('}', o);
	}
	fputs(first ? "]" : "\n      ]", o);
}

static void
json_text_xattr(FILE *o, const struct blob *b, const char *name)
{
	const struct xattr *x = find_xattr(b, name, 0);
	size_t tl;

	if (x != NULL && value_is_text(x->value, x->value_len, &tl)) {
		json_str(o, (const char *)x->value, tl);
	} else {
		fputs("null", o);
	}
}

static const char *
blob_role(const struct store *s, const struct blob *b)
{
	if (b->id == s->sb.super_blob) {
		return "super_blob";
	}
	return find_xattr(b, "name", 0) ? "lvol" : "blob";
}

static void
print_json(FILE *o, const struct store *s)
{
	const struct super *sb = &s->sb;
	const struct region *regs[4] = { &sb->page_mask, &sb->cluster_mask, &sb->md, &sb->blobid_mask };
	const char *rnames[4] = { "used_page_mask", "used_cluster_mask", "md", "used_blobid_mask" };
	const struct blob *super_blob = NULL;
	int first;

	fputs("{\n  \"tool\": \"bsdecode\",\n  \"format\": \"SPDK v26.01 blobstore\",\n  \"input\": {\"path\": ", o);
	json_cstr(o, s->path);
	fprintf(o, ", \"bytes\": %zu, \"metadata_end\": %" PRIu64 ", \"data_clusters_present\": %s},\n", s->len,
		s->md_end, (uint64_t)s->len >= sb->size ? "true" : "false");

	fputs("  \"super_block\": {\n    \"signature\": ", o);
	json_cstr(o, sb->sig);
	fprintf(o, ", \"version\": %" PRIu32 ", \"length\": %" PRIu32 ", \"clean\": %" PRIu32 ",\n", sb->version,
		sb->length, sb->clean);
	fputs("    \"super_blob\": ", o);
	if (sb->super_blob == BLOBID_INVALID) {
		fputs("null", o);
	} else {
		json_id(o, sb->super_blob);
	}
	fprintf(o, ", \"cluster_size\": %" PRIu32 ", \"size\": %" PRIu64 ", \"io_unit_size\": %" PRIu32
		", \"md_page_size\": %" PRIu32 ",\n    \"bstype\": ", sb->cluster_size, sb->size, sb->io_unit_size,
		sb->md_page_size_raw);
	json_cstr(o, sb->bstype);
	fputs(",\n", o);
	for (int i = 0; i < 4; i++) {
		fprintf(o, "    \"%s\": {\"start\": %" PRIu32 ", \"len\": %" PRIu32 ", \"offset\": %" PRIu64
			", \"bytes\": %" PRIu64 "},\n", rnames[i], regs[i]->start, regs[i]->len,
			(uint64_t)regs[i]->start * sb->md_page_size, (uint64_t)regs[i]->len * sb->md_page_size);
	}
	fprintf(o, "    \"crc\": \"0x%08" PRIx32 "\", \"crc_ok\": true\n  },\n", sb->crc);
	fprintf(o, "  \"derived\": {\"total_clusters\": %" PRIu64 ", \"md_clusters\": %" PRIu64
		", \"total_data_clusters\": %" PRIu64 ", \"free_clusters\": %" PRIu64
		", \"pages_per_cluster\": %" PRIu64 ", \"extents_per_extent_page\": %u},\n",
		s->total_clusters, s->md_clusters, s->total_data_clusters, s->free_clusters,
		(uint64_t)sb->cluster_size / sb->md_page_size, EXTENTS_PER_EP);

	fputs("  \"masks\": {", o);
	for (int i = 0; i < 3; i++) {
		const struct mask *m = &s->masks[i];

		fprintf(o, "%s\n    \"%s\": {\"type\": %u, \"offset\": %" PRIu64 ", \"length_bits\": %" PRIu32
			", \"set\": %" PRIu64 ", \"ranges\": ", i ? "," : "", m->name, m->type, m->offset, m->length, m->set);
		json_ranges(o, m);
		fputc('}', o);
	}
	fputs("\n  },\n  \"blobs\": [", o);
	for (size_t i = 0; i < s->nblobs; i++) {
		const struct blob *b = &s->blobs[i];
		static const char *const dro[1] = { "read_only" };

		if (b->id == sb->super_blob) {
			super_blob = b;
		}
		fprintf(o, "%s\n    {\n      \"id\": ", i ? "," : "");
		json_id(o, b->id);
		fprintf(o, ", \"role\": \"%s\", \"first_md_page\": %" PRIu32 ",\n      \"md_pages\": [", blob_role(s, b),
			(uint32_t)(b->id & 0xFFFFFFFFu));
		for (size_t k = 0; k < b->npages; k++) {
			const struct mdpage *p = &b->pages[k];

			fprintf(o, "%s{\"page\": %" PRIu32 ", \"offset\": %" PRIu64 ", \"sequence_num\": %" PRIu32
				", \"next\": ", k ? ", " : "", p->page, md_page_offset(s, p->page), p->seq);
			if (p->next == INVALID_PAGE) {
				fputs("null", o);
			} else {
				fprintf(o, "%" PRIu32, p->next);
			}
			fprintf(o, ", \"crc\": \"0x%08" PRIx32 "\"}", p->crc);
		}
		fprintf(o, "],\n      \"flags\": {\"invalid\": \"0x%" PRIx64 "\", \"invalid_names\": ", b->invalid);
		json_flag_names(o, b->invalid, g_inv_names, 4);
		fprintf(o, ", \"data_ro\": \"0x%" PRIx64 "\", \"data_ro_names\": ", b->data_ro);
		json_flag_names(o, b->data_ro, dro, 1);
		fprintf(o, ", \"md_ro\": \"0x%" PRIx64 "\", \"clear_method\": \"%s\"},\n", b->md_ro,
			clear_method_name(b->md_ro));
		fprintf(o, "      \"thin_provisioned\": %s, \"read_only\": %s, \"external_snapshot_clone\": %s,\n",
			(b->invalid & INV_THIN_PROV) ? "true" : "false", (b->data_ro & DRO_READ_ONLY) ? "true" : "false",
			(b->invalid & INV_EXTERNAL_SNAPSHOT) ? "true" : "false");
		fprintf(o, "      \"cluster_map\": \"%s\", \"num_clusters\": %" PRIu64 ", \"num_allocated_clusters\": %"
			PRIu64 ",\n", b->table_found ? "extent_table" : (b->rle_found ? "extent_rle" : "none"),
			b->num_clusters, b->num_allocated);
		if (b->table_found) {
			fprintf(o, "      \"extent_table\": {\"num_clusters\": %" PRIu64 ", \"pages\": [", b->table_clusters);
			for (size_t k = 0; k < b->ntable; k++) {
				fprintf(o, "%s%" PRIu32, k ? ", " : "", b->table[k]);
			}
			fputs("]},\n", o);
		}
		fputs("      \"extent_pages\": [", o);
		for (size_t k = 0; k < b->neps; k++) {
			fprintf(o, "%s{\"page\": %" PRIu32 ", \"offset\": %" PRIu64 ", \"header_id\": \"0x%" PRIx64
				"\", \"start_cluster\": %" PRIu32 ", \"entries\": %" PRIu32 "}", k ? ", " : "", b->eps[k].page,
				md_page_offset(s, b->eps[k].page), b->eps[k].header_id, b->eps[k].start_cluster,
				b->eps[k].entries);
		}
		fputs("],\n      \"allocated\": [", o);
		for (size_t k = 0; k < b->nruns; k++) {
			fprintf(o, "%s{\"blob_cluster\": %" PRIu64 ", \"disk_cluster\": %" PRIu32 ", \"count\": %" PRIu64 "}",
				k ? ", " : "", b->runs[k].blob_cluster, b->runs[k].disk_cluster, b->runs[k].count);
		}
		fprintf(o, "],\n      \"unknown_descriptors\": %u,\n      \"xattrs\": ", b->unknown_desc);
		json_xattrs(o, b, 0);
		fputs(",\n      \"internal_xattrs\": ", o);
		json_xattrs(o, b, 1);
		fputs(",\n      \"parent_snapshot\": ", o);
		if (b->has_parent) {
			json_id(o, b->parent);
		} else {
			fputs("null", o);
		}
		fputs(", \"clones\": [", o);
		first = 1;
		for (size_t k = 0; k < s->nblobs; k++) {
			if (s->blobs[k].has_parent && s->blobs[k].parent == b->id) {
				fputs(first ? "" : ", ", o);
				json_id(o, s->blobs[k].id);
				first = 0;
			}
		}
		fputs("]\n    }", o);
	}
	fputs("\n  ],\n  \"lvstore\": ", o);
	if (strcmp(sb->bstype, "LVOLSTORE") != 0 || super_blob == NULL) {
		fputs("null", o);
	} else {
		fputs("{\n    \"name\": ", o);
		json_text_xattr(o, super_blob, "name");
		fputs(", \"uuid\": ", o);
		json_text_xattr(o, super_blob, "uuid");
		fputs(", \"super_blob\": ", o);
		json_id(o, super_blob->id);
		fprintf(o, ",\n    \"cluster_size\": %" PRIu32 ", \"total_data_clusters\": %" PRIu64
			", \"free_clusters\": %" PRIu64 ",\n    \"lvols\": [", sb->cluster_size, s->total_data_clusters,
			s->free_clusters);
		first = 1;
		for (size_t i = 0; i < s->nblobs; i++) {
			const struct blob *b = &s->blobs[i];
			const struct blob *p = b->has_parent ? find_blob((struct store *)s, b->parent) : NULL;
			int fc = 1;

			if (b == super_blob || find_xattr(b, "name", 0) == NULL) {
				continue;
			}
			fprintf(o, "%s\n      {\"name\": ", first ? "" : ",");
			first = 0;
			json_text_xattr(o, b, "name");
			fputs(", \"uuid\": ", o);
			json_text_xattr(o, b, "uuid");
			fputs(", \"blob_id\": ", o);
			json_id(o, b->id);
			fprintf(o, ",\n       \"num_clusters\": %" PRIu64 ", \"size_bytes\": %" PRIu64
				", \"num_allocated_clusters\": %" PRIu64 ",\n", b->num_clusters,
				b->num_clusters * sb->cluster_size, b->num_allocated);
			fprintf(o, "       \"is_thin_provisioned\": %s, \"is_snapshot\": %s, \"is_clone\": %s, "
				"\"is_esnap_clone\": %s, \"read_only\": %s,\n",
				(b->invalid & INV_THIN_PROV) ? "true" : "false", b->is_snapshot ? "true" : "false",
				(b->has_parent && !(b->invalid & INV_EXTERNAL_SNAPSHOT)) ? "true" : "false",
				(b->invalid & INV_EXTERNAL_SNAPSHOT) ? "true" : "false",
				(b->data_ro & DRO_READ_ONLY) ? "true" : "false");
			fputs("       \"base_snapshot\": ", o);
			if (p != NULL) {
				json_text_xattr(o, p, "name");
			} else {
				fputs("null", o);
			}
			fputs(", \"clones\": [", o);
			for (size_t k = 0; k < s->nblobs; k++) {
				if (s->blobs[k].has_parent && s->blobs[k].parent == b->id) {
					fputs(fc ? "" : ", ", o);
					json_text_xattr(o, &s->blobs[k], "name");
					fc = 0;
				}
			}
			fputs("]}", o);
		}
		fputs(first ? "]\n  }" : "\n    ]\n  }", o);
	}
	fputs(",\n  \"warnings\": [", o);
	for (unsigned i = 0; i < s->nwarn; i++) {
		fputs(i ? ", " : "", o);
		json_cstr(o, s->warnings[i]);
	}
	fputs("]\n}\n", o);
}

/* ---- text output ---- */
static void
text_ranges(FILE *o, const struct mask *m)
{
	int first = 1;
	uint64_t i = 0;

	while (i < m->length) {
		uint64_t j;

		if (!mask_get(m, i)) {
			i++;
			continue;
		}
		j = i;
		while (j + 1 < m->length && mask_get(m, j + 1)) {
			j++;
		}
		if (j == i) {
			fprintf(o, "%s%" PRIu64, first ? "" : ",", i);
		} else {
			fprintf(o, "%s%" PRIu64 "-%" PRIu64, first ? "" : ",", i, j);
		}
		first = 0;
		i = j + 1;
	}
	if (first) {
		fputs("(none)", o);
	}
}

static void
text_flags(FILE *o, uint64_t v, const char *const *names, int n)
{
	int first = 1;

	for (int i = 0; i < n; i++) {
		if (v & (1ULL << i)) {
			fprintf(o, "%s%s", first ? " " : ",", names[i]);
			first = 0;
		}
	}
}

static void
text_value(FILE *o, const struct xattr *x)
{
	size_t tl;

	if (xattr_is_id(x)) {
		fprintf(o, "blob 0x%" PRIx64, le64(x->value));
	} else if (value_is_text(x->value, x->value_len, &tl)) {
		fprintf(o, "\"%.*s\"", (int)tl, (const char *)x->value);
		if (tl + 1 < x->value_len) {
			fprintf(o, " (+%zu NUL bytes)", x->value_len - tl);
		}
	} else {
		for (size_t i = 0; i < x->value_len && i < 32; i++) {
			fprintf(o, "%02x", x->value[i]);
		}
		if (x->value_len > 32) {
			fputs("...", o);
		}
	}
}

static const char *
text_name(const struct store *s, uint64_t id, char *buf, size_t n)
{
	const struct blob *b = find_blob((struct store *)s, id);
	const struct xattr *x = b ? find_xattr(b, "name", 0) : NULL;
	size_t tl;

	if (x != NULL && value_is_text(x->value, x->value_len, &tl)) {
		(void)snprintf(buf, n, "%.*s", (int)tl, (const char *)x->value);
	} else {
		(void)snprintf(buf, n, "0x%" PRIx64, id);
	}
	return buf;
}

static void
print_text(FILE *o, const struct store *s)
{
	const struct super *sb = &s->sb;
	const struct region *regs[4] = { &sb->page_mask, &sb->cluster_mask, &sb->blobid_mask, &sb->md };
	const char *rnames[4] = { "used_page_mask", "used_cluster_mask", "used_blobid_mask", "md" };
	const struct blob *super_blob = find_blob((struct store *)s, sb->super_blob);
	char nb[80];

	fprintf(o, "image %s: %zu bytes, metadata ends at byte %" PRIu64 ", store is %" PRIu64 " bytes%s\n", s->path,
		s->len, s->md_end, sb->size, (uint64_t)s->len < sb->size ? " (data clusters absent)" : "");
	fputs("\nsuper block (offset 0)\n", o);
	fprintf(o, "  signature     %s\n  version       %" PRIu32 "\n  length        %" PRIu32 "\n  clean         %" PRIu32
		"\n", sb->sig, sb->version, sb->length, sb->clean);
	if (sb->super_blob == BLOBID_INVALID) {
		fputs("  super_blob    (none)\n", o);
	} else {
		fprintf(o, "  super_blob    0x%" PRIx64 "\n", sb->super_blob);
	}
	fprintf(o, "  cluster_size  %" PRIu32 " bytes (%" PRIu64 " md pages)\n", sb->cluster_size,
		(uint64_t)sb->cluster_size / sb->md_page_size);
	fprintf(o, "  md_page_size  %" PRIu32 "%s\n  io_unit_size  %" PRIu32 "\n  bstype        \"%s\"\n  size          %"
		PRIu64 " bytes\n  crc           0x%08" PRIx32 " (ok)\n", sb->md_page_size,
		sb->md_page_size_raw ? "" : " (0 on disk: taken as 4096)", sb->io_unit_size, sb->bstype, sb->size,
		sb->crc);
	fputs("  regions (in md pages)\n", o);
	fprintf(o, "    %-18s start %5u len %5u  bytes %8u..%u\n", "super block", 0u, 1u, 0u, sb->md_page_size);
	for (int i = 0; i < 4; i++) {
		fprintf(o, "    %-18s start %5" PRIu32 " len %5" PRIu32 "  bytes %8" PRIu64 "..%" PRIu64 "\n", rnames[i],
			regs[i]->start, regs[i]->len, (uint64_t)regs[i]->start * sb->md_page_size,
			((uint64_t)regs[i]->start + regs[i]->len) * sb->md_page_size);
	}
	fprintf(o, "  clusters: %" PRIu64 " total, %" PRIu64 " for metadata, %" PRIu64 " data, %" PRIu64 " free\n",
		s->total_clusters, s->md_clusters, s->total_data_clusters, s->free_clusters);

	fputs("\nmasks\n", o);
	for (int i = 0; i < 3; i++) {
		const struct mask *m = &s->masks[i];

		fprintf(o, "  %-14s offset %-6" PRIu64 " type %u  %" PRIu32 " bits, %" PRIu64 " set: ", m->name, m->offset,
			m->type, m->length, m->set);
		text_ranges(o, m);
		fputc('\n', o);
	}

	fprintf(o, "\nblobs (%zu)\n", s->nblobs);
	for (size_t i = 0; i < s->nblobs; i++) {
		const struct blob *b = &s->blobs[i];
		static const char *const dro[1] = { "read_only" };
		int any = 0;

		fprintf(o, "  blob 0x%" PRIx64 " [%s]\n    md pages:", b->id, blob_role(s, b));
		for (size_t k = 0; k < b->npages; k++) {
			fprintf(o, "%s page %" PRIu32 " (seq %" PRIu32 ", offset %" PRIu64 ")", k ? " ->" : "",
				b->pages[k].page, b->pages[k].seq, md_page_offset(s, b->pages[k].page));
		}
		fprintf(o, "\n    flags: invalid 0x%" PRIx64, b->invalid);
		text_flags(o, b->invalid, g_inv_names, 4);
		fprintf(o, "; data_ro 0x%" PRIx64, b->data_ro);
		text_flags(o, b->data_ro, dro, 1);
		fprintf(o, "; md_ro 0x%" PRIx64 " (clear method %s)\n", b->md_ro, clear_method_name(b->md_ro));
		fprintf(o, "    clusters: %" PRIu64 " (%" PRIu64 " allocated), map: %s", b->num_clusters, b->num_allocated,
			b->table_found ? "extent table" : (b->rle_found ? "extent RLE" : "none"));
		if (b->table_found) {
			fprintf(o, " (%" PRIu64 " clusters; extent pages:%s", b->table_clusters, b->ntable ? "" : " none");
			for (size_t k = 0; k < b->ntable; k++) {
				if (b->table[k]) {
					fprintf(o, " %" PRIu32, b->table[k]);
				} else {
					fputs(" -", o);
				}
			}
			fputc(')', o);
		}
		fputc('\n', o);
		for (size_t k = 0; k < b->neps; k++) {
			fprintf(o, "    extent page %" PRIu32 " (offset %" PRIu64 "): clusters %" PRIu32 "..%" PRIu32,
				b->eps[k].page, md_page_offset(s, b->eps[k].page), b->eps[k].start_cluster,
				b->eps[k].start_cluster + b->eps[k].entries - 1);
			if (b->eps[k].header_id != b->id) {
				fprintf(o, "; its header id is 0x%" PRIx64 ", the blob that wrote it", b->eps[k].header_id);
			}
			fputc('\n', o);
		}
		for (size_t k = 0; k < b->nruns; k++) {
			const struct run *r = &b->runs[k];

			if (r->count == 1) {
				fprintf(o, "    blob cluster %" PRIu64 " -> disk cluster %" PRIu32 "\n", r->blob_cluster,
					r->disk_cluster);
			} else {
				fprintf(o, "    blob clusters %" PRIu64 "-%" PRIu64 " -> disk clusters %" PRIu32 "-%" PRIu64 "\n",
					r->blob_cluster, r->blob_cluster + r->count - 1, r->disk_cluster,
					r->disk_cluster + r->count - 1);
			}
		}
		for (int internal = 0; internal < 2; internal++) {
			for (size_t k = 0; k < b->nxa; k++) {
				const struct xattr *x = &b->xa[k];
				const char *meaning;

				if (x->internal != internal) {
					continue;
				}
				fprintf(o, "    %s %.*s = ", internal ? "internal xattr" : "xattr", (int)x->name_len, x->name);
				text_value(o, x);
				meaning = internal ? internal_meaning(x) : NULL;
				if (meaning != NULL) {
					fprintf(o, "  [%s]", meaning);
				}
				fputc('\n', o);
				any = 1;
			}
		}
		if (!any) {
			fputs("    (no xattrs)\n", o);
		}
		if (b->unknown_desc) {
			fprintf(o, "    %u descriptor(s) of unknown type skipped\n", b->unknown_desc);
		}
	}

	if (strcmp(sb->bstype, "LVOLSTORE") == 0 && super_blob != NULL) {
		const struct xattr *xn = find_xattr(super_blob, "name", 0);
		const struct xattr *xu = find_xattr(super_blob, "uuid", 0);
		size_t tl;

		fputs("\nlvstore\n  name ", o);
		if (xn && value_is_text(xn->value, xn->value_len, &tl)) {
			fprintf(o, "%.*s", (int)tl, (const char *)xn->value);
		}
		fputs("  uuid ", o);
		if (xu && value_is_text(xu->value, xu->value_len, &tl)) {
			fprintf(o, "%.*s", (int)tl, (const char *)xu->value);
		}
		fprintf(o, "\n  cluster_size %" PRIu32 ", total_data_clusters %" PRIu64 ", free_clusters %" PRIu64 "\n",
			sb->cluster_size, s->total_data_clusters, s->free_clusters);
		fputs("  lvols\n", o);
		for (size_t i = 0; i < s->nblobs; i++) {
			const struct blob *b = &s->blobs[i];
			const struct xattr *u = find_xattr(b, "uuid", 0);
			int fc = 1;

			if (b == super_blob || find_xattr(b, "name", 0) == NULL) {
				continue;
			}
			fprintf(o, "    %-8s", text_name(s, b->id, nb, sizeof(nb)));
			if (u && value_is_text(u->value, u->value_len, &tl)) {
				fprintf(o, " uuid %.*s", (int)tl, (const char *)u->value);
			}
			fprintf(o, " blob 0x%" PRIx64 "\n      %" PRIu64 " clusters (%" PRIu64 " MiB), %" PRIu64 " allocated;%s%s%s",
				b->id, b->num_clusters, b->num_clusters * sb->cluster_size / (uint64_t)(1024 * 1024), b->num_allocated,
				(b->invalid & INV_THIN_PROV) ? " thin" : " thick", b->is_snapshot ? ", snapshot" : "",
				(b->data_ro & DRO_READ_ONLY) ? ", read-only" : "");
			if (b->has_parent) {
				fprintf(o, ", clone of %s", text_name(s, b->parent, nb, sizeof(nb)));
			}
			if (b->invalid & INV_EXTERNAL_SNAPSHOT) {
				fputs(", clone of an external snapshot", o);
			}
			for (size_t k = 0; k < s->nblobs; k++) {
				if (s->blobs[k].has_parent && s->blobs[k].parent == b->id) {
					fprintf(o, "%s%s", fc ? ", clones: " : " ", text_name(s, s->blobs[k].id, nb, sizeof(nb)));
					fc = 0;
				}
			}
			fputc('\n', o);
		}
	}
	if (s->nwarn) {
		fputs("\nwarnings\n", o);
		for (unsigned i = 0; i < s->nwarn; i++) {
			fprintf(o, "  %s\n", s->warnings[i]);
		}
	}
}

/* ---- input ---- */
static int
read_input(const char *path, uint8_t **out, size_t *outlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;

	if (f == NULL) {
		int e = errno;

		return FAIL(-e, "cannot open %s: %s", path, strerror(e));
	}
	for (;;) {
		size_t n;

		if (grow((void **)&buf, &cap, len + 65536, 1) != 0) {
			rc = -ENOMEM;
			break;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				rc = FAIL(-EIO, "read error on %s", path);
			}
			break;
		}
		if (len > MAX_INPUT) {
			rc = FAIL(-EFBIG, "%s is larger than %llu bytes", path, (unsigned long long)MAX_INPUT);
			break;
		}
	}
	if (f != stdin) {
		(void)fclose(f);
	}
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static void
free_store(struct store *s)
{
	for (size_t i = 0; i < s->nblobs; i++) {
		struct blob *b = &s->blobs[i];

		free(b->pages);
		free(b->runs);
		free(b->table);
		free(b->eps);
		free(b->xa);
	}
	free(s->blobs);
	free(s->page_seen);
}

static const char *
errno_name(int e)
{
	switch (e) {
	case EILSEQ:
		return "EILSEQ: not a valid blobstore";
	case EINVAL:
		return "EINVAL: not a complete image";
	case ENOMEM:
		return "ENOMEM";
	case EIO:
		return "EIO";
	case EFBIG:
		return "EFBIG";
	case ENOENT:
		return "ENOENT";
	default:
		return "error";
	}
}

static void
usage(FILE *o)
{
	fputs("usage: bsdecode [--json] IMAGE|-\n"
	      "  Decodes the metadata of an SPDK v26.01 blobstore/lvstore image (a file or '-' for stdin).\n"
	      "  The image may stop after the metadata region (data clusters absent).\n"
	      "  --json   print JSON instead of text\n", o);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	int json = 0;
	uint8_t *img = NULL;
	struct store s;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "bsdecode: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (path == NULL) {
			path = argv[i];
		} else {
			fprintf(stderr, "bsdecode: more than one image given\n");
			return 2;
		}
	}
	if (path == NULL) {
		usage(stderr);
		return 2;
	}
	crc32c_init();
	memset(&s, 0, sizeof(s));
	s.path = path;
	rc = read_input(path, &img, &s.len);
	if (rc == 0) {
		s.img = img;
		rc = parse_super(&s);
	}
	if (rc == 0) {
		rc = parse_masks(&s);
	}
	if (rc == 0) {
		rc = parse_blobs(&s);
	}
	if (rc == 0) {
		if (json) {
			print_json(stdout, &s);
		} else {
			print_text(stdout, &s);
		}
		if (fflush(stdout) != 0) {
			rc = FAIL(-EIO, "write error on stdout");
		}
	}
	if (rc != 0) {
		fprintf(stderr, "bsdecode: %s: %s (%s)\n", path, g_err[0] ? g_err : "error", errno_name(-rc));
	}
	free_store(&s);
	free(img);
	return rc == 0 ? 0 : 1;
}
