/*
 * XenCtrlGlue: the few libxenctrl/libxenguest calls libxl has no API for (Debian libxen-dev
 * 4.17): the CPU featuresets XAPI reads from HOST.stat, the featureset combine/compatibility
 * calls xenopsd uses, and the shadow allocation of a running domain.
 *
 * This header includes no Xen header (CXenLight is the module Swift sees libxl through, and
 * xenctrl.h would clash with it): the xc_interface is a void *, the featureset indices are
 * copied here and checked against xen/sysctl.h in xenctrl_glue.c.
 */
#ifndef XENCTRLGLUE_H
#define XENCTRLGLUE_H

#include <stddef.h>
#include <stdint.h>

/* XEN_SYSCTL_cpu_featureset_* (xen/sysctl.h), the `index` of xcg_get_featureset. */
enum {
    XCG_FEATURESET_RAW = 0,
    XCG_FEATURESET_HOST = 1,     /* what Xen itself uses */
    XCG_FEATURESET_PV = 2,       /* PV default policy: what new PV guests get */
    XCG_FEATURESET_HVM = 3,      /* HVM default policy */
    XCG_FEATURESET_PV_MAX = 4,   /* PV max policy: what a migrating-in PV guest may have */
    XCG_FEATURESET_HVM_MAX = 5,  /* HVM max policy */
};

/* Opens a libxenctrl handle (xc_interface_open) that logs through `logger` (a
 * xentoollog_logger *, e.g. one from XenGlue's xg_logger_new; NULL: libxc's stderr logger).
 * Returns NULL with errno set when there is no usable Xen (no /dev/xen/privcmd, not root). */
void *xcg_open(void *logger);

/* Closes a handle from xcg_open. NULL is allowed. */
void xcg_close(void *xch);

/* The number of 32-bit words in a featureset this libxenguest knows (xc_get_cpu_featureset_size). */
uint32_t xcg_featureset_size(void);

/* Reads featureset `index` into `words` (room for *nr words); on return *nr is the number Xen
 * wrote. Returns 0, or -1 with errno set (ENOBUFS: *nr was too small; EINVAL: Xen does not know
 * the index, e.g. the *_MAX ones before Xen 4.16). */
int xcg_get_featureset(void *xch, uint32_t index, uint32_t *nr, uint32_t *words);

/* Whether this libxenguest has xc_combine_cpu_featuresets / xc_cpu_featuresets_are_compatible
 * (XenServer's Xen and Xen >= 4.18 with that patch; stock Debian 4.17 does not). They are weak
 * references, resolved when the library is loaded, as xenopsd's xenctrlext does. */
int xcg_has_combine(void);
int xcg_has_compatible(void);

/* xc_combine_cpu_featuresets: out = p1 & p2, with the RSBA/RRSBA bits recalculated. All three
 * arrays have `len` words. Returns -1 with errno ENOSYS when the library lacks it. */
int xcg_combine(const uint32_t *p1, const uint32_t *p2, uint32_t *out, size_t len);

/* xc_cpu_featuresets_are_compatible: 0 if `vm` fits `host` (both `len` words), 1 if not, with
 * the missing features' names in `missing` (NUL-terminated, at most 128 bytes); -1 with errno
 * ENOSYS when the library lacks it. */
int xcg_compatible(const uint32_t *vm, const uint32_t *host, size_t len, char missing[128]);

/* The shadow (p2m) allocation of domain `domid`, in MiB (xc_shadow_control): read into *mb, or
 * set to *mb when `set` is non-zero. libxl sets it only when it builds a domain, so
 * VM.set_shadow_multiplier needs this. Returns 0, or -1 with errno set. */
int xcg_shadow_allocation(void *xch, uint32_t domid, unsigned int *mb, int set);

#endif
