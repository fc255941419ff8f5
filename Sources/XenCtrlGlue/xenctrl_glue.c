/* libxenctrl/libxenguest glue; see XenCtrlGlue.h. */
#include <errno.h>
#include <string.h>
#include <xenctrl.h>
#include <xenguest.h>

#include "XenCtrlGlue.h"

_Static_assert(XCG_FEATURESET_RAW == XEN_SYSCTL_cpu_featureset_raw, "featureset index");
_Static_assert(XCG_FEATURESET_HOST == XEN_SYSCTL_cpu_featureset_host, "featureset index");
_Static_assert(XCG_FEATURESET_PV == XEN_SYSCTL_cpu_featureset_pv, "featureset index");
_Static_assert(XCG_FEATURESET_HVM == XEN_SYSCTL_cpu_featureset_hvm, "featureset index");
#ifdef XEN_SYSCTL_cpu_featureset_pv_max
_Static_assert(XCG_FEATURESET_PV_MAX == XEN_SYSCTL_cpu_featureset_pv_max, "featureset index");
_Static_assert(XCG_FEATURESET_HVM_MAX == XEN_SYSCTL_cpu_featureset_hvm_max, "featureset index");
#endif

/* Not in stock 4.17 headers: weak, so a library without them loads and they are NULL. */
__attribute__((weak)) void xc_combine_cpu_featuresets(const uint32_t *p1, const uint32_t *p2, uint32_t *out, size_t len);
__attribute__((weak)) const char *xc_cpu_featuresets_are_compatible(const uint32_t *vm, const uint32_t *host, size_t len, char err[128]);

void *xcg_open(void *logger)
{
    return xc_interface_open((xentoollog_logger *)logger, (xentoollog_logger *)logger, 0);
}

void xcg_close(void *xch)
{
    if (xch)
        xc_interface_close((xc_interface *)xch);
}

uint32_t xcg_featureset_size(void)
{
    return xc_get_cpu_featureset_size();
}

int xcg_get_featureset(void *xch, uint32_t index, uint32_t *nr, uint32_t *words)
{
    return xc_get_cpu_featureset((xc_interface *)xch, index, nr, words) ? -1 : 0;
}

int xcg_has_combine(void) { return xc_combine_cpu_featuresets != NULL; }
int xcg_has_compatible(void) { return xc_cpu_featuresets_are_compatible != NULL; }

int xcg_combine(const uint32_t *p1, const uint32_t *p2, uint32_t *out, size_t len)
{
    if (!xc_combine_cpu_featuresets) {
        errno = ENOSYS;
        return -1;
    }
    xc_combine_cpu_featuresets(p1, p2, out, len);
    return 0;
}

int xcg_compatible(const uint32_t *vm, const uint32_t *host, size_t len, char missing[128])
{
    char err[128];
    const char *why;

    if (!xc_cpu_featuresets_are_compatible) {
        errno = ENOSYS;
        return -1;
    }
    missing[0] = '\0';
    why = xc_cpu_featuresets_are_compatible(vm, host, len, err);
    if (!why)
        return 0;
    strncpy(missing, why, 127);
    missing[127] = '\0';
    return 1;
}

int xcg_shadow_allocation(void *xch, uint32_t domid, unsigned int *mb, int set)
{
    unsigned int sop = set ? XEN_DOMCTL_SHADOW_OP_SET_ALLOCATION : XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION;
    return xc_shadow_control((xc_interface *)xch, domid, sop, mb, 0) < 0 ? -1 : 0;
}
