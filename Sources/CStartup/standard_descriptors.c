// Runs before main and before the Swift runtime or libdispatch open anything: were stdout
// closed (`kvsh ... >&-`), the first descriptor opened (libdispatch's, a store file, a
// socket) would take number 1 and receive what kvsh prints.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "kvsh_startup.h"

static int closed_descriptors = 0;

__attribute__((constructor)) static void kvsh_guard_standard_descriptors(void) {
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
        int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (null >= 0 && null != fd) {
            dup2(null, fd);
            close(null);
        }
        closed_descriptors |= 1 << fd;
    }
}

int kvsh_startup_closed_descriptors(void) { return closed_descriptors; }
