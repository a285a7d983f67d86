/* replytimed: the command line. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: replytimed [-c file] [--check-config] "
	    "[--version]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = "/etc/replytimed/replytimed.json";
	struct conf	*cf;
	char		 err[512];
	int		 ch, check = 0;

	while ((ch = getopt_long(argc, argv, "c:nV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'V':
			printf("replytimed %s\n", VERSION);
			return (0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((cf = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return (2);
	}
	if (check) {
		printf("%s: ok\n", path);
		conf_free(cf);
		return (0);
	}
	log_init(cf->log.level, "replytimed");
	fatalx("the daemon loop is not built yet");
}
