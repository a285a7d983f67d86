/* Levelled logging to stderr (the journal under systemd). */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#include "loglevel.h"

extern int log_level;

void	log_init(int, const char *);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info_(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug_(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* Nothing is formatted below the level. */
#define log_info(...) do {						\
	if (log_level >= LOG_LEVEL_INFO)				\
		log_info_(__VA_ARGS__);					\
} while (0)
#define log_debug(...) do {						\
	if (log_level >= LOG_LEVEL_DEBUG)				\
		log_debug_(__VA_ARGS__);				\
} while (0)

#endif
