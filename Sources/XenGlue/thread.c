/* Thread naming; see XenGlue.h. */
#include <pthread.h>
#include <string.h>

#include "XenGlue.h"

int xg_set_thread_name(const char *name)
{
    char short_name[16];
    strncpy(short_name, name, sizeof(short_name) - 1);
    short_name[sizeof(short_name) - 1] = '\0';
    return pthread_setname_np(pthread_self(), short_name);
}

int xg_get_thread_name(char *buf, unsigned long size)
{
    return pthread_getname_np(pthread_self(), buf, size);
}
