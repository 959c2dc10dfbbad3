/*
 * A child process (a worker, the metrics process) leaves by _exit(): the
 * parent's atexit handlers and stdio buffers are not its own.  That skips
 * LeakSanitizer's check at exit, so a sanitizer build runs it explicitly
 * before, and `make asan` covers the children too.
 */
#ifndef MCRD_LSAN_H
#define MCRD_LSAN_H

#if defined(__SANITIZE_ADDRESS__)
#define MCR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MCR_ASAN 1
#endif
#endif
#ifdef MCR_ASAN
#include <sanitizer/lsan_interface.h>
#endif

static inline void mcr_leak_check(void)
{
#ifdef MCR_ASAN
	__lsan_do_leak_check();
#endif
}

#endif
