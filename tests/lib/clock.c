/* The tests' and the tools' timing, on the daemon's clocks (now.h). */

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

/* Monotonic seconds to the nanosecond, for timing a benchmark. */
double
clk_mono_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Sleeps ms milliseconds, whatever signals arrive. */
void
clk_sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * A timeout stretched by $REPLYTIMED_TIME_SCALE (default 1), for a
 * daemon slowed down by valgrind.
 */
int64_t
clk_scaled(int64_t ms)
{
	const char	*s = getenv("REPLYTIMED_TIME_SCALE");
	int		 k;

	if (s == NULL || (k = atoi(s)) < 1)
		return (ms);
	return (ms * k);
}

/*
 * Polls cond every 20 ms: 1 once it returns > 0, -1 at once if it
 * returns < 0 (give up), 0 after timeout_ms (scaled).
 */
int
clk_wait(int (*cond)(void *), void *arg, int timeout_ms)
{
	int64_t	 end = now_mono_ms() + clk_scaled(timeout_ms);
	int	 r;

	for (;;) {
		if ((r = cond(arg)) != 0)
			return (r > 0 ? 1 : -1);
		if (now_mono_ms() >= end)
			return (0);
		clk_sleep_ms(20);
	}
}
