/* The tests' and the tools' timing, on the daemon's clocks (now.h). */
#ifndef LIB_CLOCK_H
#define LIB_CLOCK_H

#include <stdint.h>

#include "now.h"		/* now_wall_ms(), now_mono_ms() */

double	clk_mono_s(void);
void	clk_sleep_ms(int);
int64_t	clk_scaled(int64_t);
int	clk_wait(int (*)(void *), void *, int);

#endif
