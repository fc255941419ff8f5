/* Starting a program with an argv and no shell, for the hook runner (XenopsHooks).
 * Swift cannot reach pipe2 or posix_spawn_file_actions_addclosefrom_np through Glibc, so
 * the few lines that need them live here. */
#ifndef CSPAWN_H
#define CSPAWN_H

#include <sys/types.h>

/* pipe2(fds, O_CLOEXEC): neither end leaks into a program another thread starts.
 * Returns 0 or an errno value. */
int cs_pipe(int fds[2]);

/* Starts `path` with `argv` and `envp` (both NULL-terminated; argv is never interpreted by a
 * shell) as the leader of a new process group, with every signal at its default disposition
 * and none blocked, stdin from /dev/null, stdout and stderr on the given descriptors, and
 * every other descriptor closed. Returns 0 and sets *pid, or an errno value. */
int cs_spawn(const char *path, char *const argv[], char *const envp[], int stdout_fd, int stderr_fd, pid_t *pid);

#endif
