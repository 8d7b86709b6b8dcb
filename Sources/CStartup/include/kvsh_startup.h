#ifndef KVSH_STARTUP_H
#define KVSH_STARTUP_H

/// Which of descriptors 0, 1 and 2 were closed when the process started (bit N for
/// descriptor N). They were pointed at /dev/null before any other code ran.
int kvsh_startup_closed_descriptors(void);

#endif
