/* Log level names, shared by the config parser and the logger. */
#ifndef LOGLEVEL_H
#define LOGLEVEL_H

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

int		 log_level_parse(const char *);
const char	*log_level_name(int);

#endif
