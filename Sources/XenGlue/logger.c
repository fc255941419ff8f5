/* The xentoollog logger trampoline; see XenGlue.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xentoollog.h>

#include "XenGlue.h"

typedef struct {
    xentoollog_logger vtable;  /* must be first: libxl sees a xentoollog_logger * */
    xg_log_sink sink;
    void *user;
    int min_level;
    pid_t owner;  /* the process that made the logger */
} xg_logger;

static _Thread_local char last_error[1024];

/* Appends an error-level message to the thread's list ("; "-separated). libxl usually logs
 * the root cause first and consequences after, so when the buffer is full the earliest
 * messages are the ones kept. */
static void remember(int level, int errnoval, const char *message)
{
    size_t used, room;
    if (level < XTL_ERROR || !message)
        return;
    used = strlen(last_error);
    if (used + 8 >= sizeof(last_error))
        return;
    room = sizeof(last_error) - used;
    if (errnoval >= 0)
        snprintf(last_error + used, room, "%s%s (errno %d: %s)", used ? "; " : "", message, errnoval, strerror(errnoval));
    else
        snprintf(last_error + used, room, "%s%s", used ? "; " : "", message);
}

static void xg_vmessage(xentoollog_logger *logger, xentoollog_level level, int errnoval,
                        const char *context, const char *format, va_list al)
{
    xg_logger *g = (xg_logger *)logger;
    char *message = NULL;
    if ((int)level < g->min_level && (int)level < XTL_ERROR)
        return;
    if (vasprintf(&message, format, al) < 0)
        return;
    if (getpid() != g->owner) {
        /* A child libxl forked (without exec) from the multi-threaded daemon: Swift code may
         * wait on locks another thread held at fork time. Write to stderr directly. */
        if ((int)level >= XTL_WARN) {
            char line[1200];
            int n = snprintf(line, sizeof(line), "libxl (child %d): %s\n", (int)getpid(), message);
            if (n > 0 && write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0) { /* nothing to do */ }
        }
        free(message);
        return;
    }
    remember((int)level, errnoval, message);
    /* Errors always reach the sink (it keeps the recent ones); swift-log filters them itself. */
    g->sink(g->user, (int)level, errnoval, context, message);
    free(message);
}

static void xg_progress(xentoollog_logger *logger, const char *context, const char *doing_what,
                        int percent, unsigned long done, unsigned long total)
{
    xg_logger *g = (xg_logger *)logger;
    char *message = NULL;
    if (XTL_PROGRESS < g->min_level || getpid() != g->owner)
        return;
    if (asprintf(&message, "%s: %d%% (%lu/%lu)", doing_what ? doing_what : "progress", percent, done, total) < 0)
        return;
    g->sink(g->user, XTL_PROGRESS, -1, context, message);
    free(message);
}

static void xg_destroy(xentoollog_logger *logger)
{
    free(logger);
}

void *xg_logger_new(xg_log_sink sink, void *user, int min_level)
{
    xg_logger *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->vtable.vmessage = xg_vmessage;
    g->vtable.progress = xg_progress;
    g->vtable.destroy = xg_destroy;
    g->sink = sink;
    g->user = user;
    g->min_level = min_level;
    g->owner = getpid();
    return g;
}

void xg_logger_destroy(void *logger)
{
    if (logger)
        xtl_logger_destroy((xentoollog_logger *)logger);
}

static void emit_va(xentoollog_logger *logger, int level, int errnoval, const char *context, const char *format, ...)
{
    va_list al;
    va_start(al, format);
    xtl_logv(logger, (xentoollog_level)level, errnoval, context, format, al);
    va_end(al);
}

void xg_logger_emit(void *logger, int level, int errnoval, const char *context, const char *message)
{
    emit_va((xentoollog_logger *)logger, level, errnoval, context, "%s", message);
}

const char *xg_last_error(void)
{
    return last_error;
}

void xg_last_error_clear(void)
{
    last_error[0] = '\0';
}
