package testsupport

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// Benchmarks are sized from the environment (DRAINPROOF_BENCH_*), so the
// default run stays small and a goal-sized run needs no code change. A value
// that is set but not positive fails the benchmark naming the variable.

// EnvInt reads a positive integer from the environment variable name, or def when unset.
func EnvInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// EnvDuration reads a positive duration (time.ParseDuration syntax) from the
// environment variable name, or def when unset.
func EnvDuration(tb testing.TB, name string, def time.Duration) time.Duration {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: want a positive duration", name, v)
	}
	return d
}

// MemInUse is this process's Go heap and goroutine stacks in use, in bytes,
// after a GC: the difference of two readings is what was allocated and is
// still held in between.
func MemInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}
