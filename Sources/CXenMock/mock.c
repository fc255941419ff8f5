/* Test-only interposers; see CXenMock.h. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>

#include "CXenMock.h"

static atomic_int mock_enabled;
static int dummy_xc, dummy_xs;

void xenmock_set_enabled(int enabled) { atomic_store(&mock_enabled, enabled ? 1 : 0); }
int xenmock_enabled(void) { return atomic_load(&mock_enabled); }

static int is_dummy(const void *p) { return p == (const void *)&dummy_xc || p == (const void *)&dummy_xs; }

/* The real signatures use opaque handle types; void * is ABI-identical. */
void *xc_interface_open(void *logger, void *dombuild_logger, unsigned open_flags)
{
    if (xenmock_enabled())
        return &dummy_xc;
    void *(*real)(void *, void *, unsigned) = (void *(*)(void *, void *, unsigned))dlsym(RTLD_NEXT, "xc_interface_open");
    return real ? real(logger, dombuild_logger, open_flags) : NULL;
}

int xc_interface_close(void *xch)
{
    if (!xch || is_dummy(xch))
        return 0;
    int (*real)(void *) = (int (*)(void *))dlsym(RTLD_NEXT, "xc_interface_close");
    return real ? real(xch) : 0;
}

void *xs_open(unsigned long flags)
{
    if (xenmock_enabled())
        return &dummy_xs;
    void *(*real)(unsigned long) = (void *(*)(unsigned long))dlsym(RTLD_NEXT, "xs_open");
    return real ? real(flags) : NULL;
}

void xs_close(void *xsh)
{
    if (!xsh || is_dummy(xsh))
        return;
    void (*real)(void *) = (void (*)(void *))dlsym(RTLD_NEXT, "xs_close");
    if (real)
        real(xsh);
}
