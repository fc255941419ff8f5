/*
 * CXenLight: the one place that includes the libxl headers (Debian libxen-dev 4.17).
 *
 * LIBXL_API_VERSION must come before any libxl header. 0x041400 is the newest value
 * 4.17 accepts; Swift always sees the newest (ao_how) prototypes anyway, because the
 * function-renaming compatibility macros are invisible to it (libxl-notes §3.2).
 * libxl_json.h is NOT included: it needs yajl headers that libxen-dev does not pull in.
 *
 * After editing this file, touch a .swift file of a dependent target: SwiftPM does not
 * notice changes to a system library's header.
 */
#ifndef CXENLIGHT_SHIM_H
#define CXENLIGHT_SHIM_H

#define LIBXL_API_VERSION 0x041400

#include <stdio.h>
#include <stdint.h>
#include <poll.h>
#include <sys/time.h>
#include <sys/eventfd.h>   /* Swift's Glibc module does not export eventfd */
#include <xentoollog.h>
#include <libxl.h>
#include <libxl_event.h>
#include <libxl_utils.h>
#include <libxl_uuid.h>
#include <libxlutil.h>
#include <xenstore.h>

/* Domain ids are uint32_t; Swift imports the macros as Int32 (-1, -2). */
static const uint32_t CXL_INVALID_DOMID = INVALID_DOMID;
static const uint32_t CXL_RANDOM_DOMID = RANDOM_DOMID;

/* The weight/cap "use the default" markers of libxl_domain_sched_params. */
static const int CXL_SCHED_PARAM_WEIGHT_DEFAULT = LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT;
static const int CXL_SCHED_PARAM_CAP_DEFAULT = LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT;

#endif
