/*
 * Shadow (p2m) memory of an HVM domain through libxenctrl: libxl sets it only when it builds
 * a domain (b_info.shadow_memkb), so VM.set_shadow_multiplier needs xc_shadow_control.
 */
#include <errno.h>
#include <xenctrl.h>
#include "XenGlue.h"

int xg_shadow_allocation(uint32_t domid, unsigned int *mb, int set)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    if (!xch)
        return -(errno ? errno : EIO);
    unsigned int sop = set ? XEN_DOMCTL_SHADOW_OP_SET_ALLOCATION : XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION;
    int rc = xc_shadow_control(xch, domid, sop, mb, 0);
    int saved = errno;
    xc_interface_close(xch);
    return rc < 0 ? -(saved ? saved : EIO) : 0;
}
