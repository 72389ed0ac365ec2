/* A set-up error with its explanation: system-layer functions fill one
 * instead of printing, and the daemon decides where the message goes. */
#ifndef VN_SYSERR_H
#define VN_SYSERR_H

struct vn_error {
	char msg[256];
};

void vn_error_set(struct vn_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
