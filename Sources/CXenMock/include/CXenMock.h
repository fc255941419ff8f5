/*
 * CXenMock: TEST-ONLY interposers that let libxl_ctx_alloc succeed without Xen
 * (libxl-notes §2.5, after libvirt's tests/libxlmock.c).
 *
 * Linking this target defines xc_interface_open/close and xs_open/close in the executable,
 * which take precedence over libxenctrl/libxenstore. While the mock is disabled (the
 * default) they forward to the real functions, so the rest of the process sees real Xen
 * (or its absence); while enabled they return dummy handles. With a mocked ctx only pure
 * libxl functions may be called: any hypercall or xenstore access dereferences a dummy.
 *
 * Never make this a dependency of a product.
 */
#ifndef CXENMOCK_H
#define CXENMOCK_H

/* Turns the dummy handles on (1) or off (0) for the whole process. */
void xenmock_set_enabled(int enabled);

/* 1 if the dummy handles are on. */
int xenmock_enabled(void);

#endif
