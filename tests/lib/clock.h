/* The clocks of the tests and the tools, in milliseconds, and waits. */
#ifndef LIB_CLOCK_H
#define LIB_CLOCK_H

#include <stdint.h>

int64_t	clk_wall_ms(void);
int64_t	clk_mono_ms(void);
double	clk_mono_s(void);
void	clk_sleep_ms(int);
int64_t	clk_scaled(int64_t);
int	clk_wait(int (*)(void *), void *, int);

#endif
