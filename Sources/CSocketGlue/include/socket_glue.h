// Descriptor passing and close-on-exec accept for the forwarded socket. The CMSG_* macros and
// accept4 are not visible from Swift's Glibc module (they need _GNU_SOURCE or are macros).
#ifndef XENOPS_SOCKET_GLUE_H
#define XENOPS_SOCKET_GLUE_H

#include <stddef.h>
#include <sys/types.h>

// accept4(fd, NULL, NULL, SOCK_CLOEXEC): the new descriptor is never inherited by a child.
int xenops_accept_cloexec(int listener);

// One recvmsg with MSG_CMSG_CLOEXEC. Up to max_fds descriptors sent with SCM_RIGHTS are
// stored in fds and counted in *fd_count (any beyond max_fds are closed, *truncated set).
// Returns the bytes read (0 at end of stream) or -1 with errno set.
ssize_t xenops_recv_with_fds(int sock, void *buf, size_t len, int *fds, int max_fds, int *fd_count, int *truncated);

// One sendmsg of buf with fd attached (SCM_RIGHTS), MSG_NOSIGNAL. Returns the bytes sent or
// -1 with errno set. Used by tests that play XAPI.
ssize_t xenops_send_with_fd(int sock, const void *buf, size_t len, int fd);

#endif
