/*
 * The test runner's main: Criterion's own, except that under
 * LeakSanitizer the runner process ignores its allocations.  Criterion
 * leaks a few bytes in the runner now and then (never in a test); the
 * tests run in worker processes, which BoxFort starts without this
 * main, so every leak of theirs and of the code under test still fails
 * the run.
 */
#include <criterion/criterion.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

int	main(int, char *[]);

int
main(int argc, char *argv[])
{
	struct criterion_test_set	*tests;
	int				 result = 0;

#if defined(__SANITIZE_ADDRESS__)
	__lsan_disable();
#endif
	tests = criterion_initialize();
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return (result);
}
