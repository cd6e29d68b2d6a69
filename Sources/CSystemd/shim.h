// The parts of libsystemd Duban uses: sd_notify and the watchdog
// (sd-daemon.h), and structured logging to the journal (sd-journal.h).
// DubanSystemd wraps them; nothing else in Duban touches C. Also glibc's
// malloc_trim (malloc.h, not in Swift's Glibc module), with which the idle
// daemon hands freed heap pages back (DubanSystemd's ProcessMemory).
#ifndef DUBAN_CSYSTEMD_SHIM_H
#define DUBAN_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>
#include <malloc.h>
#endif
