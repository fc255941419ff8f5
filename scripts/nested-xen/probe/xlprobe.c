/*
 * xlprobe: a tiny libxenlight client, built on the host and run in dom0 by the smoke test.
 * It proves that host-built code linked against the host's libxen-dev talks to the real
 * hypervisor in dom0: version, physinfo and the domain list. Prints LIBXL-C-OK on success.
 *
 *   gcc -O2 -o xlprobe xlprobe.c -lxenlight -lxentoollog
 */
#include <stdio.h>
#include <stdlib.h>
#include <libxl.h>
#include <libxl_utils.h>

int main(void)
{
    xentoollog_logger_stdiostream *logger;
    libxl_ctx *ctx = NULL;
    const libxl_version_info *info;
    libxl_physinfo physinfo;
    libxl_dominfo *doms;
    int nr_doms, i, rc;

    logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if (!logger) {
        fprintf(stderr, "xlprobe: cannot create a logger\n");
        return 1;
    }
    rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)logger);
    if (rc) {
        fprintf(stderr, "xlprobe: libxl_ctx_alloc failed: %d\n", rc);
        return 1;
    }

    info = libxl_get_version_info(ctx);
    if (!info) {
        fprintf(stderr, "xlprobe: libxl_get_version_info failed\n");
        return 1;
    }
    printf("xen %d.%d%s\n", info->xen_version_major, info->xen_version_minor, info->xen_version_extra);

    libxl_physinfo_init(&physinfo);
    rc = libxl_get_physinfo(ctx, &physinfo);
    if (rc) {
        fprintf(stderr, "xlprobe: libxl_get_physinfo failed: %d\n", rc);
        return 1;
    }
    printf("physinfo nr_cpus=%u total_pages=%lu free_pages=%lu\n", physinfo.nr_cpus,
           (unsigned long)physinfo.total_pages, (unsigned long)physinfo.free_pages);
    libxl_physinfo_dispose(&physinfo);

    doms = libxl_list_domain(ctx, &nr_doms);
    if (!doms) {
        fprintf(stderr, "xlprobe: libxl_list_domain failed\n");
        return 1;
    }
    for (i = 0; i < nr_doms; i++) {
        char *name = libxl_domid_to_name(ctx, doms[i].domid);
        printf("domain %u name=%s mem=%lukB\n", doms[i].domid, name ? name : "?",
               (unsigned long)doms[i].current_memkb);
        free(name);
    }
    libxl_dominfo_list_free(doms, nr_doms);

    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)logger);
    printf("LIBXL-C-OK\n");
    return 0;
}
