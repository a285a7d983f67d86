/*
 * The systemd notification protocol: one datagram per state change to
 * $NOTIFY_SOCKET, and the watchdog period from $WATCHDOG_USEC.  Without
 * $NOTIFY_SOCKET every call does nothing.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>

int	 notify_init(void);
void	 notify_send(const char *);
int64_t	 notify_watchdog_usec(void);
void	 notify_close(void);

#endif
