# The fuzz targets (tests/fuzz/): filled in by the fuzzing work.
