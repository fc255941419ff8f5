/*
 * XenGlue: C helpers for the libxl binding that Swift cannot express.
 *
 * The xentoollog logger trampoline: libxl logs through a vtable whose vmessage takes a
 * va_list; the trampoline formats it here and hands Swift a finished string. It also
 * remembers, per thread, the last error-level message, so that a failing libxl call can be
 * reported with libxl's own words.
 *
 * This header deliberately includes no libxl header (CXenLight is the only module that
 * does): loggers are passed as void * and cast to xentoollog_logger * on the Swift side.
 */
#ifndef XENGLUE_H
#define XENGLUE_H

#include <stdint.h>

/* Receives one formatted log message. level is a xentoollog_level (XTL_DEBUG = 1 …
 * XTL_CRITICAL = 9); errnoval is -1 when the message carries no errno; context is libxl's
 * subsystem name ("libxl", "xencall"), possibly NULL. Called on whatever thread libxl logs
 * from: must not block and must not call libxl. */
typedef void (*xg_log_sink)(void *user, int level, int errnoval, const char *context, const char *message);

/* Creates a logger (a xentoollog_logger *) that formats messages at or above min_level (and
 * every error, whatever min_level) and passes them to sink. Returns NULL if out of memory. Free with xg_logger_destroy (or
 * xtl_logger_destroy), after the libxl context that uses it. */
void *xg_logger_new(xg_log_sink sink, void *user, int min_level);

/* Frees a logger made by xg_logger_new. NULL is allowed. */
void xg_logger_destroy(void *logger);

/* Feeds one message through the logger, as libxl would (used by tests). */
void xg_logger_emit(void *logger, int level, int errnoval, const char *context, const char *message);

/* The messages at XTL_ERROR or above that loggers made here received on the calling thread
 * since xg_last_error_clear, oldest first, joined with "; " (at most 1 KiB: the earliest are
 * kept), or "" if none. Valid until the next log on this thread. */
const char *xg_last_error(void);

/* Forgets the calling thread's last error message. */
void xg_last_error_clear(void);

/* Names the calling thread (at most 15 characters are kept), for ps/top/gdb. Returns 0 on success.
 * pthread_setname_np is a GNU extension that Swift's Glibc module does not export. */
int xg_set_thread_name(const char *name);

/* Copies the calling thread's name into buf (NUL-terminated). Returns 0 on success. */
int xg_get_thread_name(char *buf, unsigned long size);

/* Sets a dom0 network interface administratively up (up != 0) or down (SIOCSIFFLAGS).
 * Returns 0, or -errno (-ENODEV when there is no such interface). */
int xg_set_link_up(const char *ifname, int up);


#endif
